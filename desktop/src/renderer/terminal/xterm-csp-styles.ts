import type { Terminal } from '@xterm/xterm';

/**
 * xterm writes its theme and cell-size rules into <style> elements by setting their textContent,
 * which the app's CSP (style-src 'self', no 'unsafe-inline') refuses to apply. Rather than loosen
 * the CSP for every page, the <style> elements xterm makes while it opens get their textContent
 * routed to constructed stylesheets (document.adoptedStyleSheets), which CSP does not treat as
 * inline markup: the rules apply, and the page holds no inline style at all.
 */
export function openWithConstructedStyles(terminal: Terminal, element: HTMLElement): () => void {
  const sheets: CSSStyleSheet[] = [];
  const create = document.createElement;
  // Only for the duration of open(), which is synchronous: xterm creates its style elements there.
  document.createElement = function createElement(this: Document, tag: string, options?: ElementCreationOptions) {
    if (tag.toLowerCase() !== 'style') return create.call(this, tag, options);
    // Even an empty <style> in the page is checked against the CSP (and reported); an inert
    // <template> takes its place, since xterm only sets its textContent and removes it.
    const standIn = create.call(this, 'template');
    sheets.push(routeToSheet(standIn));
    return standIn;
  } as typeof document.createElement;
  try {
    terminal.open(element);
  } finally {
    document.createElement = create;
  }
  return () => {
    document.adoptedStyleSheets = document.adoptedStyleSheets.filter((sheet) => !sheets.includes(sheet));
  };
}

function routeToSheet(element: HTMLElement): CSSStyleSheet {
  const sheet = new CSSStyleSheet();
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  let text = '';
  Object.defineProperty(element, 'textContent', {
    configurable: true,
    get: () => text,
    set: (value: string | null) => {
      text = value ?? '';
      sheet.replaceSync(text);
    },
  });
  return sheet;
}
