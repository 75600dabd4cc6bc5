/**
 * xterm writes its theme and cell-size rules into <style> elements, which the app's CSP
 * (style-src 'self', no 'unsafe-inline') refuses to apply. Rather than loosen the CSP for every
 * page, this copies those rules into constructed stylesheets (document.adoptedStyleSheets),
 * which CSP does not treat as inline markup, and keeps them in step as xterm rewrites them.
 */
export function adoptXtermStyles(root: HTMLElement): () => void {
  const sheets = new Map<HTMLStyleElement, CSSStyleSheet>();
  const sync = () => {
    for (const element of root.querySelectorAll('style')) {
      let sheet = sheets.get(element);
      if (!sheet) {
        sheet = new CSSStyleSheet();
        sheets.set(element, sheet);
        document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
      }
      sheet.replaceSync(element.textContent ?? '');
    }
  };
  const observer = new MutationObserver(sync);
  observer.observe(root, { subtree: true, childList: true, characterData: true });
  sync();
  return () => {
    observer.disconnect();
    const owned = new Set(sheets.values());
    document.adoptedStyleSheets = document.adoptedStyleSheets.filter((sheet) => !owned.has(sheet));
  };
}
