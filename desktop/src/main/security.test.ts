import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, isAppFrame, isExternalLink, secureWebPreferences } from './security.ts';

describe('window security', () => {
  it('isolates the renderer: no Node, context isolation, sandbox, no webview', () => {
    expect(secureWebPreferences('/app/preload.cjs')).toMatchObject({
      preload: '/app/preload.cjs', contextIsolation: true, sandbox: true, nodeIntegration: false, webviewTag: false, webSecurity: true,
    });
  });

  it('has a strict CSP: own scripts and styles only, nothing inline or eval, no framing', () => {
    const directives = new Map(CONTENT_SECURITY_POLICY.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-(inline|eval)/);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
  });

  it.each([
    ['file:///opt/Postern/out/renderer/index.html', 'file:///opt/Postern/out/renderer/index.html', true],
    ['file:///opt/Postern/out/renderer/index.html#/resources', 'file:///opt/Postern/out/renderer/index.html', true],
    ['file:///tmp/evil.html', 'file:///opt/Postern/out/renderer/index.html', false],
    ['https://evil.example/', 'file:///opt/Postern/out/renderer/index.html', false],
    ['http://localhost:5173/', 'http://localhost:5173/', true],
    ['http://localhost:5174/', 'http://localhost:5173/', false],
    ['not a url', 'http://localhost:5173/', false],
    [undefined, 'http://localhost:5173/', false],
  ])('trusts frame %s for app %s: %s', (frame, appUrl, trusted) => {
    expect(isAppFrame(frame, appUrl)).toBe(trusted);
  });

  it('hands only web links to the system browser', () => {
    expect(isExternalLink('https://postern.example.com/docs')).toBe(true);
    expect(isExternalLink('file:///etc/passwd')).toBe(false);
    expect(isExternalLink('javascript:alert(1)')).toBe(false);
  });
});
