/**
 * The gateway's recording spool against a real server over loopback HTTP: a recorded SSH-like
 * session lands on the server chunk by chunk, plays back as asciicast (checked with the real
 * asciinema when installed), spool files hold ciphertext only and go away once confirmed;
 * a lost confirmation is retried idempotently; a chunk the server refuses is kept apart.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAsciicast } from '../../shared/src/recording/asciicast.ts';
import { sealChunk } from '../../shared/src/recording/chunk.ts';
import { RecordingSpool } from '../../gateway/src/recording/recording-spool.ts';
import { silentLogger } from '../../gateway/src/logger.ts';
import { startRecordingServer, waitUntil, type RecordingServer } from './recording-harness.ts';

const hasAsciinema = (() => { try { execFileSync('asciinema', ['--version'], { stdio: 'ignore' }); return true; } catch { return false; } })();

let rs: RecordingServer;
const dirs: string[] = [];
const tempDir = () => { const dir = mkdtempSync(join(tmpdir(), 'postern-rec-e2e-')); dirs.push(dir); return dir; };

beforeAll(async () => { rs = await startRecordingServer(); });
afterAll(async () => {
  await rs?.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const spoolFiles = (dir: string) => readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));

describe('recording spool → server → review', () => {
  it('records a session, uploads while it runs and at its end, and plays it back', async () => {
    const dir = tempDir();
    const spooled: number[] = [];
    const spool = new RecordingSpool({ dir, server: { serverUrl: rs.url, token: () => rs.gatewayToken }, log: silentLogger, chunkBytes: 2_048, uploadIntervalMs: 100, onChunkSpooled: (_s, index) => spooled.push(index) });
    spool.start();
    const session = await rs.openSession('ssh');
    const recorder = spool.recorderFor(session);
    expect(spool.recorderFor(session)).toBe(recorder);
    const shell = recorder.openTerminal({ cols: 100, rows: 30, term: 'xterm-256color' });
    shell.output(Buffer.from('$ '));
    shell.input(Buffer.from('seq 1 400\r'));
    for (let i = 1; i <= 400; i += 1) shell.output(Buffer.from(`${i} caf\u00e9\r\n`));
    recorder.event({ type: 'ssh.exec', command: 'seq 1 400', exitCode: 0 });
    shell.close(0);
    await waitUntil(() => spooled.length >= 2, 'chunks sealed while the session runs');
    // Uploaded while the session is still open:
    await waitUntil(async () => ((await rs.server.get(`/api/v1/pam/sessions/${session.sessionId}`, rs.world.users.admin.token)).body.recording?.chunks ?? 0) >= 1, 'an upload during the session');
    for (const file of spoolFiles(dir)) expect(readFileSync(file).includes(Buffer.from('caf\u00e9'))).toBe(false);
    await spool.endSession(session.sessionId);
    await spool.uploadNow();
    expect(spoolFiles(dir)).toEqual([]);
    const shown = await rs.server.get(`/api/v1/pam/sessions/${session.sessionId}`, rs.world.users.admin.token);
    expect(shown.body.recording).toMatchObject({ complete: true, exitCode: 0, terminals: 1, events: 1, chunks: spooled.length });
    const cast = await rs.server.get(`/api/v1/pam/sessions/${session.sessionId}/recording/terminals/1/asciicast`, rs.world.users.auditor.token);
    const parsed = parseAsciicast(cast.text);
    expect(parsed.header).toMatchObject({ width: 100, height: 30 });
    const output = parsed.events.filter((e) => e[1] === 'o').map((e) => e[2]).join('');
    expect(output).toBe(`$ ${Array.from({ length: 400 }, (_, i) => `${i + 1} caf\u00e9\r\n`).join('')}`);
    if (hasAsciinema) {
      const file = join(tempDir(), 'x.cast');
      writeFileSync(file, cast.text);
      const printed = execFileSync('script', ['-qec', `asciinema cat ${file}`, '/dev/null'], { encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: tempDir() } });
      expect(printed).toContain('400 caf\u00e9');
    }
    await spool.close();
  });

  it('a confirmation lost on the way: the next pass uploads again and the server answers duplicate', async () => {
    const dir = tempDir();
    let dropNextAnswer = true;
    let puts = 0;
    const lossyFetch: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (init?.method === 'PUT') {
        puts += 1;
        if (dropNextAnswer) { dropNextAnswer = false; throw new Error('connection reset after the server stored it'); }
      }
      return response;
    };
    const spool = new RecordingSpool({ dir, server: { serverUrl: rs.url, token: () => rs.gatewayToken, fetch: lossyFetch }, log: silentLogger });
    const session = await rs.openSession('kubernetes');
    spool.recorderFor(session).event({ type: 'k8s.request', method: 'GET', path: '/api/v1/pods', status: 200 });
    await spool.endSession(session.sessionId);
    const first = await spool.uploadNow();
    expect(first).toMatchObject({ uploaded: 0, left: 1 });
    expect(spoolFiles(dir)).toHaveLength(1);
    expect(await spool.uploadNow()).toMatchObject({ uploaded: 1, left: 0 });
    expect(puts).toBe(2);
    expect(spoolFiles(dir)).toEqual([]);
    const shown = await rs.server.get(`/api/v1/pam/sessions/${session.sessionId}`, rs.world.users.admin.token);
    expect(shown.body.recording).toMatchObject({ chunks: 1, events: 1, complete: true });
  });

  it('a chunk the server refuses (conflicting content for a stored index) is moved to rejected/, not retried forever', async () => {
    const dir = tempDir();
    const spool = new RecordingSpool({ dir, server: { serverUrl: rs.url, token: () => rs.gatewayToken }, log: silentLogger });
    const session = await rs.openSession('ssh');
    spool.recorderFor(session).event({ type: 'ssh.exec', command: 'true' });
    await spool.endSession(session.sessionId);
    expect(await spool.uploadNow()).toMatchObject({ uploaded: 1 });
    const keyRes = await rs.server.post(`/api/v1/pam/sessions/${session.sessionId}/recording/key`, {}, rs.gatewayToken);
    const forged = sealChunk(Buffer.from(keyRes.body.key, 'base64url'), session.sessionId, { index: 0, final: false }, new Uint8Array(0));
    const sessionDir = join(dir, session.sessionId);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(sessionDir, { recursive: true });
    writeFileSync(join(sessionDir, '0000000000.chunk'), forged);
    expect(await spool.uploadNow()).toMatchObject({ uploaded: 0, refused: 1, left: 0 });
    expect(spoolFiles(dir).map((f) => f.slice(dir.length))).toEqual([`/rejected/${session.sessionId}-0000000000.chunk`]);
    expect(await spool.uploadNow()).toMatchObject({ uploaded: 0, refused: 0, left: 0 });
  });

  it('an admin termination (the watch fires) ends the recording with its final chunk', async () => {
    const dir = tempDir();
    const terminated = new AbortController();
    let released = 0;
    const finals: number[] = [];
    const spool = new RecordingSpool({
      dir, server: { serverUrl: rs.url, token: () => rs.gatewayToken }, log: silentLogger, uploadIntervalMs: 100,
      watchEnd: () => ({ signal: terminated.signal, release: () => { released += 1; } }),
      onChunkSpooled: (_s, index, final) => { if (final) finals.push(index); },
    });
    spool.start();
    const session = await rs.openSession('ssh');
    spool.recorderFor(session).openTerminal({ cols: 80, rows: 24 }).output(Buffer.from('top\r\n'));
    await waitUntil(async () => (await rs.server.post(`/api/v1/pam/sessions/${session.sessionId}/recording/key`, {}, rs.gatewayToken)).status === 200, 'the key');
    terminated.abort();
    await waitUntil(async () => (await rs.server.get(`/api/v1/pam/sessions/${session.sessionId}`, rs.world.users.admin.token)).body.recording?.complete === true, 'the final chunk on the server');
    expect(finals).toEqual([0]);
    expect(released).toBe(1);
    await spool.close();
  });

  it('a session the server does not know gets no key: nothing is spooled, and the error is logged', async () => {
    const dir = tempDir();
    const lines: string[] = [];
    const log = { info: () => undefined, warn: () => undefined, error: (fields: object) => lines.push(JSON.stringify(fields)) };
    const spool = new RecordingSpool({ dir, server: { serverUrl: rs.url, token: () => rs.gatewayToken }, log });
    const session = { ...(await rs.openSession('ssh')), sessionId: '00000000-0000-4000-8000-000000000000' };
    spool.recorderFor(session).event({ type: 'ssh.exec', command: 'true' });
    await waitUntil(() => lines.some((line) => line.includes('recording_key_unavailable')), 'the key refusal');
    await spool.endSession(session.sessionId);
    expect(spoolFiles(dir)).toEqual([]);
    expect(lines.join('\n')).toContain('recording_dropped');
  });
});
