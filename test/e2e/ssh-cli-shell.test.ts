/**
 * The CLI's interactive shell in a real terminal (tmux): typed keys reach the remote shell,
 * output shows, a window resize reaches the target's PTY, `exit 3` makes the command exit 3,
 * the terminal is back in cooked mode afterwards, and expiry ends the shell with the message on
 * the terminal and from the CLI.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { serveBridge, startTargetFixture, type TargetFixture } from '../fixtures/ssh-bridge.ts';
import { scratchDir, type ScratchDir } from '../fixtures/ssh-keygen.ts';

const RUNNER = join(import.meta.dirname, '../fixtures/ssh-shell-runner.ts');
const TSX = join(import.meta.dirname, '../../node_modules/tsx/dist/esm/index.mjs');
let fixture: TargetFixture;
let dir: ScratchDir;
let server: net.Server;
let port: number;
let expiresAt = new Date(Date.now() + 3_600_000);
const tmuxSocket = `postern-test-${process.pid}`;

beforeAll(async () => {
  fixture = await startTargetFixture();
  dir = scratchDir();
  server = net.createServer((socket) => {
    socket.setNoDelay(true);
    serveBridge(socket, fixture, { credential: fixture.credentials.key, expiresAt });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});

afterAll(async () => {
  try { execFileSync('tmux', ['-L', tmuxSocket, 'kill-server'], { stdio: 'ignore', timeout: 10_000 }); } catch { /* no session left */ }
  server?.close();
  await fixture?.sshd.close();
  dir?.remove();
});

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', tmuxSocket, ...args], { encoding: 'utf8', timeout: 10_000 });
}

async function waitForPane(pattern: RegExp, what: string, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const screen = tmux('capture-pane', '-p', '-t', 'shell', '-S', '-50');
    if (pattern.test(screen)) return screen;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; screen:\n${screen}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Starts the CLI shell in a fresh tmux window; after it exits the pane prints its exit code and the tty mode. */
function startCliShell(name: string): string {
  const status = join(dir.path, `${name}.status`);
  const script = `node --import ${TSX} ${RUNNER} ${port} ${expiresAt.toISOString()}; echo "EXIT=$?" > ${status}; stty -a >> ${status}; sleep 60`;
  tmux('new-session', '-d', '-s', 'shell', '-x', '100', '-y', '30', script);
  return status;
}

async function waitForFile(file: string, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(file) || !readFileSync(file, 'utf8').includes('icanon')) {
    if (Date.now() > deadline) throw new Error(`${file} never appeared`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return readFileSync(file, 'utf8');
}

it('runs an interactive shell in the terminal: keys, output, resize, exit code, terminal restored', async () => {
  const started = Date.now();
  const status = startCliShell('interactive');
  tmux('send-keys', '-t', 'shell', 'echo "PROMPT-$((6*7))"', 'Enter');
  await waitForPane(/PROMPT-42/, 'the remote shell to answer');
  const promptMs = Date.now() - started;
  tmux('send-keys', '-t', 'shell', 'echo hi', 'Enter');
  await waitForPane(/^hi$/m, 'echo hi');
  tmux('resize-window', '-t', 'shell', '-x', '120', '-y', '40');
  tmux('send-keys', '-t', 'shell', 'stty size', 'Enter');
  await waitForPane(/^40 120$/m, 'the new window size on the target');
  tmux('send-keys', '-t', 'shell', 'exit 3', 'Enter');
  const after = await waitForFile(status);
  tmux('kill-session', '-t', 'shell');
  expect(after).toMatch(/^EXIT=3$/m);
  expect(after).toMatch(/(^|\s)icanon(\s|$)/m);
  expect(after).toMatch(/(^|\s)echo(\s|$)/m);
  console.info(`command to shell answer (tmux, incl. node start): ${promptMs} ms`);
});

it('ends the shell at expiry with the message from the gateway and from the CLI', async () => {
  expiresAt = new Date(Date.now() + 4_000);
  const status = startCliShell('expiry');
  tmux('send-keys', '-t', 'shell', 'echo waiting', 'Enter');
  await waitForPane(/^waiting$/m, 'the shell');
  const screen = await waitForPane(/Run the same command again/, 'the CLI expiry line', 8_000);
  expect(screen).toContain(`Postern: session expired at ${expiresAt.toISOString()}; request a new session to continue.`);
  expect(screen).toContain(`Postern: session expired at ${expiresAt.toISOString()}. Run the same command again for a new session.`);
  const after = await waitForFile(status);
  tmux('kill-session', '-t', 'shell');
  expect(after).toMatch(/^EXIT=255$/m);
  expect(after).toMatch(/(^|\s)icanon(\s|$)/m);
});
