import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

/** The desktop renderer built for the dev bridge, and Debian's Chromium, for the desktop UI tests. */

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const screenshotDir = join(repoRoot, 'test-output', 'desktop');
const CHROMIUM = '/usr/bin/chromium';

export async function buildRenderer(outDir: string): Promise<void> {
  // vite is a dependency of @postern/desktop (npm may install it under desktop/node_modules).
  const vite = join(repoRoot, 'desktop', 'node_modules', '.bin', 'vite');
  const child = spawn(vite, ['build', '--mode', 'devbridge', '--outDir', outDir, '--emptyOutDir'], { cwd: join(repoRoot, 'desktop'), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => { output += chunk; });
  child.stderr.on('data', (chunk) => { output += chunk; });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`vite build failed (${code}):\n${output}`);
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-sync'],
  });
}
