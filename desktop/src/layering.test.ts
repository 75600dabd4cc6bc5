import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The desktop's layers (STYLE.md): only main and preload import electron; the renderer and
 * common code import no Node built-in and no core/cli/main code (they reach the core only
 * through the bridge); core and cli never import electron; nothing imports another app package.
 * The renderer tsconfig already fails on Node imports; this also catches `electron`.
 */

const root = new URL('.', import.meta.url).pathname;

async function sources(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(join(root, dir), { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && /\.(ts|tsx)$/.test(entry.name) && !entry.name.endsWith('.test.ts')) found.push(relative(root, join(entry.parentPath, entry.name)));
  }
  return found;
}

async function importsOf(file: string): Promise<string[]> {
  const text = await readFile(join(root, file), 'utf8');
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? m[2]!);
}

const rules: Array<[string, RegExp, string]> = [
  ['renderer', /^(electron|node:|ws$|commander$)|\/(core|cli|main|preload|dev-bridge)\//, 'browser code reaches the core only through the bridge'],
  ['common', /^(electron|node:)|\/(core|cli|main|preload|renderer|dev-bridge)\//, 'common code runs in every process'],
  ['core', /^electron$|\/(cli|main|preload|renderer)\//, 'the core is Node, never Electron'],
  ['cli', /^electron$|\/(main|preload|renderer)\//, 'the CLI is Node, never Electron'],
];

describe('desktop layering', () => {
  it.each(rules)('%s imports nothing it may not (%s)', async (dir, forbidden) => {
    const files = await sources(dir);
    expect(files.length).toBeGreaterThan(0);
    const violations: string[] = [];
    for (const file of files) for (const specifier of await importsOf(file)) if (forbidden.test(specifier)) violations.push(`${file} -> ${specifier}`);
    expect(violations).toEqual([]);
  });

  it('imports no other app package', async () => {
    const all = (await Promise.all(['renderer', 'common', 'core', 'cli', 'main', 'preload', 'dev-bridge'].map(sources))).flat();
    const violations: string[] = [];
    for (const file of all) for (const specifier of await importsOf(file)) if (/^@postern\/(server|relay|gateway)/.test(specifier)) violations.push(`${file} -> ${specifier}`);
    expect(violations).toEqual([]);
  });
});
