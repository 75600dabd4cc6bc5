import { listPackage, statFile } from '@electron/asar';
import { build as electronBuilder, Platform, type Configuration } from 'electron-builder';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { builtinModules, createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildElectron } from '../../scripts/build-electron.ts';
import { LocalShellUnavailableError } from '../core/errors.ts';
import { loadNodePty } from '../core/terminal-sessions-local.ts';

/**
 * Packs the app with the real electron-builder and desktop/electron-builder.yml, as `npm run dist`
 * does, except that Electron itself is a stand-in (its binary cannot be downloaded here) and the
 * built app comes from a temporary folder. Then checks what a user would install.
 */

const desktopDir = fileURLToPath(new URL('../..', import.meta.url));
const desktopRequire = createRequire(join(desktopDir, 'package.json'));

async function readBuilderConfig(): Promise<Configuration & { files: string[] }> {
  return parse(await readFile(join(desktopDir, 'electron-builder.yml'), 'utf8')) as Configuration & { files: string[] };
}

/** Every module the bundled main process loads with require() at run time that is not built in. */
function runtimeRequires(mainJs: string): string[] {
  const builtins = new Set([...builtinModules, ...builtinModules.map((name) => `node:${name}`), 'electron']);
  const specifiers = [...mainJs.matchAll(/(?:\b|_)require(?:\$\d+)?\(["']([^"']+)["']\)/g)].map((m) => m[1]!);
  return [...new Set(specifiers.filter((specifier) => !builtins.has(specifier)))].sort();
}

async function packLinuxDir(workDir: string): Promise<string> {
  const builtOut = join(workDir, 'out');
  await buildElectron(builtOut);
  const fakeElectron = join(workDir, 'electron-dist');
  await mkdir(fakeElectron);
  await writeFile(join(fakeElectron, 'electron'), '#!/bin/sh\nexit 0\n');
  await chmod(join(fakeElectron, 'electron'), 0o755);
  const config = await readBuilderConfig();
  const files = config.files.map((pattern) => (pattern === 'out/**/*' ? { from: builtOut, to: 'out' } : pattern));
  await electronBuilder({
    projectDir: desktopDir,
    targets: Platform.LINUX.createTarget('dir'),
    config: { ...config, files, electronDist: fakeElectron, directories: { ...config.directories, output: join(workDir, 'dist') } },
  });
  return join(workDir, 'dist', 'linux-unpacked', 'resources');
}

describe('the packaged desktop app (electron-builder.yml, linux dir target)', () => {
  let workDir: string;
  let resources: string;
  let asar: string;
  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'postern-package-'));
    resources = await packLinuxDir(workDir);
    asar = join(resources, 'app.asar');
  }, 240_000);
  afterAll(() => rm(workDir, { recursive: true, force: true }));

  it('pins the Electron version that is installed (it is the ABI the app runs on)', async () => {
    const installed = JSON.parse(await readFile(desktopRequire.resolve('electron/package.json'), 'utf8')) as { version: string };
    expect((await readBuilderConfig()).electronVersion).toBe(installed.version);
  });

  it('packs the built app and, of node_modules, only what the main process requires at run time', async () => {
    const entries = listPackage(asar, { isPack: false }).map((entry) => entry.replace(/\\/g, '/'));
    for (const file of ['/package.json', '/out/main/main.js', '/out/preload/preload.cjs', '/out/renderer/index.html']) expect(entries).toContain(file);
    const packedModules = entries.filter((entry) => /^\/node_modules\/[^/]+$/.test(entry)).map((entry) => entry.slice('/node_modules/'.length));

    const required = runtimeRequires(await readFile(join(workDir, 'out', 'main', 'main.js'), 'utf8'));
    expect(required).toEqual(['node-pty']);
    expect(packedModules).toEqual(required);
    const manifest = JSON.parse(await readFile(join(desktopDir, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    for (const name of required) expect(manifest.dependencies[name], name).toBeDefined();
  });

  it('keeps every node-pty file outside the asar, native addon included', async () => {
    const ptyFiles = listPackage(asar, { isPack: false }).filter((entry) => /^\/node_modules\/node-pty\/.+\.[a-z]+$/.test(entry));
    expect(ptyFiles).toContain('/node_modules/node-pty/lib/index.js');
    expect(ptyFiles).toContain('/node_modules/node-pty/build/Release/pty.node');
    for (const file of ptyFiles) {
      expect(statFile(asar, file.slice(1)), file).toMatchObject({ unpacked: true });
      await expect(readFile(join(resources, 'app.asar.unpacked', file)), file).resolves.toBeInstanceOf(Buffer);
    }
  });

  it('ships only Node-API addons, which load in Electron without a rebuild (hence npmRebuild: false)', async () => {
    const unpackedPty = join(resources, 'app.asar.unpacked', 'node_modules', 'node-pty');
    const addons = (await readdir(unpackedPty, { recursive: true })).filter((file) => file.endsWith('.node'));
    expect(addons.length).toBeGreaterThan(0);
    for (const addon of addons) {
      const binary = await readFile(join(unpackedPty, addon));
      expect(binary.includes('napi_register_module_v1'), addon).toBe(true);
      expect(binary.includes('node_register_module_v'), addon).toBe(false);
    }
  });

  it('runs a shell through the packed node-pty, loaded the way the bundled main process loads it', async () => {
    // Electron maps app.asar/... to app.asar.unpacked/...; plain Node reads the unpacked copy.
    const pty = loadNodePty(join(resources, 'app.asar.unpacked', 'out', 'main', 'main.js'));
    const child = pty.spawn('/bin/sh', ['-c', 'echo packaged-pty-$((6 * 7))'], { cols: 80, rows: 24, cwd: workDir, env: { PATH: '/usr/bin:/bin' } });
    let output = '';
    child.onData((data) => { output += data; });
    const exitCode = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => { child.kill(); reject(new Error(`no exit within 10 s; output: ${output}`)); }, 10_000);
      child.onExit(({ exitCode: code }) => { clearTimeout(timer); resolve(code); });
    });
    expect(exitCode).toBe(0);
    expect(output).toContain('packaged-pty-42');
  });

  it('names the fix when node-pty is missing', () => {
    expect(() => loadNodePty(join(workDir, 'nowhere', 'main.js'))).toThrow(LocalShellUnavailableError);
    expect(() => loadNodePty(join(workDir, 'nowhere', 'main.js'))).toThrow(/npm install/);
  });
});
