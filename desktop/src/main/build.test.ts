import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildElectron } from '../../scripts/build-electron.ts';
import { CONTENT_SECURITY_POLICY } from './security.ts';

// The Electron binary cannot run here; what it would load is checked instead.
describe('the built Electron app', () => {
  let out: string;
  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'postern-electron-build-'));
    await buildElectron(out);
  }, 120_000);
  afterAll(() => rm(out, { recursive: true, force: true }));

  it('has a preload that a sandbox can run: one CommonJS file requiring only electron', async () => {
    const preload = await readFile(join(out, 'preload', 'preload.cjs'), 'utf8');
    expect([...preload.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1])).toEqual(['electron']);
    expect(preload).not.toMatch(/^\s*import\s/m);
    expect(preload).toContain('exposeInMainWorld("postern"');
    expect(preload.length).toBeLessThan(8_000);
  });

  it('has a main process that imports only electron and Node built-ins (everything else bundled)', async () => {
    const main = await readFile(join(out, 'main', 'main.js'), 'utf8');
    const imports = [...main.matchAll(/^import .* from "([^"]+)"/gm)].map((m) => m[1]);
    expect(imports.length).toBeGreaterThan(0);
    for (const specifier of imports) expect(specifier === 'electron' || specifier!.startsWith('node:'), specifier).toBe(true);
  });

  it('serves the renderer with the same CSP and without the dev bridge shim', async () => {
    const html = await readFile(join(out, 'renderer', 'index.html'), 'utf8');
    const meta = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1];
    // frame-ancestors is ignored in a <meta> tag; main sends it as a header.
    expect(meta).toBe(CONTENT_SECURITY_POLICY.replace("; frame-ancestors 'none'", ''));
    const assets = await readdir(join(out, 'renderer', 'assets'));
    expect(assets.some((name) => name.includes('dev-bridge'))).toBe(false);
    for (const asset of assets.filter((name) => name.endsWith('.js'))) {
      expect(await readFile(join(out, 'renderer', 'assets', asset), 'utf8')).not.toContain('/bridge/call');
    }
  });
});
