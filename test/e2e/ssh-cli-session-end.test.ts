/**
 * The user's own end of a session through the whole deployment (server, relay and gateway
 * processes, real sshd): `exit` in `postern pam ssh access` and Ctrl-C on `--local-port` end the
 * session on the server, and the gateway then completes its recording without waiting for the
 * session's end time (10 minutes here).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type * as NodePty from 'node-pty';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { POSTERN_BIN, REPO_ROOT, startConnectDeployment, type ConnectDeployment } from '../../bench/lib/connect-deployment.ts';
import { ownerToken } from '../fixtures/server-process.ts';
import { eventually } from './deployment-harness.ts';

const pty = createRequire(join(REPO_ROOT, 'desktop', 'package.json'))('node-pty') as typeof NodePty;
const SESSION_LINE = /Session ([0-9a-f-]{36}): /;
const RUN_LIMIT_MS = 60_000;

let deployment: ConnectDeployment;
let token: string;

beforeAll(async () => {
  deployment = await startConnectDeployment();
  token = await ownerToken(deployment.server);
}, 180_000);
afterAll(() => deployment?.close());

async function sessionDetail(sessionId: string): Promise<{ status: string; endedAt: string | null; recording: { complete: boolean; terminalBytes: number } | null }> {
  const response = await fetch(`${deployment.server.url}/api/v1/pam/sessions/${sessionId}`, { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`session ${sessionId}: ${response.status} ${await response.text()}`);
  return (await response.json()) as never;
}

/** Runs the CLI shell in a PTY: waits for the prompt, types a marker and `exit`; resolves with the session id and the exit timing. */
function runShellAndExit(): Promise<{ sessionId: string; exitCode: number; exitMs: number }> {
  return new Promise((resolve, reject) => {
    const env = { ...deployment.cliEnv, POSTERN_CLI_FROM_SOURCE: '1' };
    const child = pty.spawn(process.execPath, [POSTERN_BIN, ...deployment.accessArgs], { name: 'xterm-256color', cols: 100, rows: 30, cwd: REPO_ROOT, env });
    let output = '';
    let exitTypedAt: number | undefined;
    const limit = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no prompt and exit within ${RUN_LIMIT_MS} ms; output:\n${output.slice(-2000)}`));
    }, RUN_LIMIT_MS);
    child.onData((data) => {
      output += data;
      if (exitTypedAt === undefined && /postern-test@/.test(output)) {
        exitTypedAt = Date.now();
        child.write('echo end-marker-$((6*7)); exit\r');
      }
    });
    child.onExit(({ exitCode }) => {
      clearTimeout(limit);
      const sessionId = SESSION_LINE.exec(output)?.[1];
      if (!sessionId || exitTypedAt === undefined) return reject(new Error(`exited ${exitCode} without a session or prompt:\n${output.slice(-2000)}`));
      if (output.includes('could not end session')) return reject(new Error(`the end failed:\n${output.slice(-2000)}`));
      resolve({ sessionId, exitCode, exitMs: Date.now() - exitTypedAt });
    });
  });
}

it('`exit` in the CLI shell ends the session, and the gateway completes the recording soon after', async () => {
  const { sessionId, exitCode, exitMs } = await runShellAndExit();
  expect(exitCode).toBe(0);
  const detail = await sessionDetail(sessionId);
  expect(detail).toMatchObject({ status: 'ended', endedAt: expect.any(String) });
  const endedAt = Date.parse(detail.endedAt!);
  const complete = await eventually(() => sessionDetail(sessionId), (d) => d.recording?.complete === true, 30_000);
  const completedMs = Date.now() - endedAt;
  expect(complete.recording!.terminalBytes).toBeGreaterThan(0);
  console.info(`exit typed → CLI exited: ${exitMs} ms; session ended → recording complete on the server: ≤ ${completedMs} ms`);
}, 120_000);

it('Ctrl-C on --local-port ends the session', async () => {
  const child = spawn(process.execPath, [POSTERN_BIN, ...deployment.accessArgs, '--local-port', '0'], {
    cwd: REPO_ROOT, env: { ...deployment.cliEnv, POSTERN_CLI_FROM_SOURCE: '1' },
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), RUN_LIMIT_MS);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  await eventually(async () => stderr, (text) => text.includes('Press Ctrl-C'), 30_000);
  const sessionId = SESSION_LINE.exec(stderr)![1]!;
  expect((await sessionDetail(sessionId)).status).toBe('active');
  const stoppedAt = Date.now();
  child.kill('SIGINT');
  const [code] = await once(child, 'close') as [number | null];
  clearTimeout(killer);
  const exitMs = Date.now() - stoppedAt;
  expect(code).toBe(0);
  expect(stderr).toContain('Postern: stopped serving the session.');
  expect(stderr).not.toContain('could not end session');
  expect((await sessionDetail(sessionId)).status).toBe('ended');
  console.info(`Ctrl-C → CLI exited (session ended): ${exitMs} ms`);
}, 120_000);

it('without the end (the CLI killed), the session stays active and its recording open; ending it later completes it', async () => {
  const child = spawn(process.execPath, [POSTERN_BIN, ...deployment.accessArgs, '--local-port', '0'], {
    cwd: REPO_ROOT, env: { ...deployment.cliEnv, POSTERN_CLI_FROM_SOURCE: '1' },
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  await eventually(async () => stderr, (text) => text.includes('Press Ctrl-C'), 30_000);
  const sessionId = SESSION_LINE.exec(stderr)![1]!;
  child.kill('SIGKILL');
  await once(child, 'close');
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  const left = await sessionDetail(sessionId);
  expect(left.status).toBe('active');
  expect(left.recording?.complete ?? false).toBe(false);
  const response = await fetch(`${deployment.server.url}/api/v1/pam/sessions/${sessionId}/end`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  await eventually(() => sessionDetail(sessionId), (d) => d.status === 'ended' && d.recording?.complete === true, 30_000);
}, 120_000);
