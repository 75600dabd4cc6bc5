#!/usr/bin/env node
// The `postern` command. It runs the bundle (dist/cli/postern.mjs, built by scripts/build-cli.ts
// on npm install) when that is newer than every source file it was built from; otherwise, or with
// POSTERN_CLI_FROM_SOURCE=1, the TypeScript source through tsx, so an edit is never run stale.
// The bundle starts in ~0.1 s of CPU, tsx in ~0.6 s (docs/architecture.md "CLI start-up").
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundleDir = new URL('../dist/cli/', import.meta.url);

function bundleIsFresh() {
  try {
    const builtAt = statSync(new URL('postern.mjs', bundleDir)).mtimeMs;
    const sources = JSON.parse(readFileSync(new URL('sources.json', bundleDir), 'utf8'));
    return sources.every((source) => statSync(fileURLToPath(new URL(source, bundleDir))).mtimeMs <= builtAt);
  } catch {
    return false; // not built, or a source file moved: the source is the truth
  }
}

if (process.env.POSTERN_CLI_FROM_SOURCE !== '1' && bundleIsFresh()) {
  await import('../dist/cli/postern.mjs');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
