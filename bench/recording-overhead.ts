/**
 * What recording costs on a shell-like stream: the real OpenSSH `ssh` client runs `cat` of a
 * shell-like text file (ls -l lines, ANSI colours, prompts) through the gateway SSH bridge to the
 * real sshd, once with NO_RECORDING and once recording into the encrypted spool (chunks sealed
 * with AES-256-GCM and written to disk, exactly as the gateway does; no upload). Rounds alternate.
 * Then the recorder alone: ns per byte through writer + seal + spool.
 *
 *   node --import tsx bench/recording-overhead.ts [megabytes=64] [rounds=5]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import net from 'node:net';
import { join } from 'node:path';
import { generateRecordingKey } from '../shared/src/recording/chunk.ts';
import { NO_RECORDING, type SessionRecorder } from '../shared/src/recording/recorder.ts';
import { encodeOpenSshPrivateKey } from '../shared/src/ssh/private-key.ts';
import { SessionChunkWriter } from '../gateway/src/recording/chunk-writer.ts';
import { SpoolDirectory } from '../gateway/src/recording/spool-files.ts';
import { SpoolSessionRecorder } from '../gateway/src/recording/spool-recorder.ts';
import { SealThread, sealInline, type ChunkSealer } from '../gateway/src/recording/seal-thread.ts';
import { serveBridge, startTargetFixture } from '../test/fixtures/ssh-bridge.ts';

const megabytes = Number(process.argv[2] ?? 64);
const rounds = Number(process.argv[3] ?? 5);
const SESSION = '7c0e6a52-3f1b-4d2e-9a8b-1c2d3e4f5a6b';
const dir = mkdtempSync(join(tmpdir(), 'postern-bench-rec-'));

function shellLikeText(bytes: number): Buffer {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i += 1) {
    const line = i % 25 === 0
      ? `\u001b[1;32muser@web-1\u001b[0m:\u001b[1;34m~/src\u001b[0m$ ls -l --color\r\n`
      : `-rw-r--r-- 1 user staff ${String(i * 37 % 99_999).padStart(6)} Nov 23 12:${String(i % 60).padStart(2, '0')} \u001b[0;3${i % 7}mfile-${i}.txt\u001b[0m\r\n`;
    lines.push(line);
    size += line.length;
  }
  return Buffer.from(lines.join('')).subarray(0, bytes);
}

const sealThread = new SealThread();
const SEALERS: Record<'inline' | 'worker', { seal: ChunkSealer; allocate?: (size: number) => Buffer }> = { inline: { seal: sealInline }, worker: sealThread };

/** The recorder the gateway uses, writing sealed chunks to a real spool folder. */
function spoolRecorder(sealing: 'inline' | 'worker'): { recorder: SessionRecorder; end: () => Promise<void> } {
  const spool = new SpoolDirectory(join(dir, 'spool'));
  let writes = Promise.resolve();
  const writer = new SessionChunkWriter({
    sessionId: SESSION, seal: SEALERS[sealing].seal, ...(SEALERS[sealing].allocate ? { allocate: SEALERS[sealing].allocate } : {}),
    persist: (index, sealed) => { writes = writes.then(async () => { await spool.writeChunk(SESSION, index, await sealed); }); },
  });
  writer.setKey(generateRecordingKey(), 0);
  return { recorder: new SpoolSessionRecorder(writer, (error) => { throw error; }), end: async () => { writer.end(); await writes; rmSync(join(dir, 'spool'), { recursive: true, force: true }); } };
}

const fixture = await startTargetFixture();
const remote = `/tmp/postern-bench-rec-${process.pid}.txt`;
writeFileSync(remote, shellLikeText(megabytes * 1024 * 1024));
let current: SessionRecorder = NO_RECORDING;
const bridge = net.createServer((socket) => { socket.setNoDelay(true); serveBridge(socket, fixture, { credential: fixture.credentials.certificate, recorder: current }); });
await new Promise<void>((resolve) => bridge.listen(0, '127.0.0.1', resolve));
const port = (bridge.address() as net.AddressInfo).port;
const key = join(dir, 'id_ed25519');
writeFileSync(key, encodeOpenSshPrivateKey(fixture.userKey.privateKey), { mode: 0o600 });
const ssh = ['-F', '/dev/null', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-c', 'aes128-gcm@openssh.com', '-p', String(port), '-i', key, `${fixture.sshd.user}@127.0.0.1`, `cat ${remote}`];

async function throughput(recording: 'off' | 'inline' | 'worker'): Promise<number> {
  const spool = recording === 'off' ? undefined : spoolRecorder(recording);
  current = spool?.recorder ?? NO_RECORDING;
  const started = performance.now();
  // Asynchronously: the bridge runs in this process's event loop.
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn('ssh', ssh, { stdio: ['ignore', 'ignore', 'inherit'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.once('exit', (exit) => { clearTimeout(timer); resolve(exit); });
  });
  if (code !== 0) throw new Error(`ssh exited with ${code}`);
  const seconds = (performance.now() - started) / 1000;
  await spool?.end();
  return megabytes / seconds;
}

const results = { off: [] as number[], inline: [] as number[], worker: [] as number[] };
for (let round = 0; round < rounds; round += 1) {
  for (const mode of ['off', 'inline', 'worker'] as const) results[mode].push(await throughput(mode));
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

// The recorder alone: the same text in pty-sized writes; time on the event loop, then until all is on disk.
const text = shellLikeText(256 * 1024 * 1024);
const alone: Record<string, { loop: number; total: number }> = {};
for (const mode of ['inline', 'worker'] as const) {
  const spool = spoolRecorder(mode);
  const terminal = spool.recorder.openTerminal({ cols: 120, rows: 40 });
  const started = performance.now();
  for (let offset = 0; offset < text.length; offset += 4_096) terminal.output(text.subarray(offset, offset + 4_096));
  const loop = performance.now() - started;
  await spool.end();
  alone[mode] = { loop: (loop * 1e6) / text.length, total: ((performance.now() - started) * 1e6) / text.length };
}

console.log(`ssh cat of ${megabytes} MB shell-like text through the bridge, ${rounds} rounds, load average ${loadavg()[0]!.toFixed(1)}:`);
for (const [mode, values] of Object.entries(results)) {
  const slower = mode === 'off' ? '' : `  ${((1 - median(values) / median(results.off)) * 100).toFixed(1)}% slower`;
  console.log(`  ${(mode === 'off' ? 'NO_RECORDING' : `spool, sealed ${mode}`).padEnd(22)} median ${median(values).toFixed(0)} MB/s (${values.map((v) => v.toFixed(0)).join(', ')})${slower}`);
}
for (const [mode, cost] of Object.entries(alone)) {
  console.log(`recorder alone, sealed ${mode}: ${cost.loop.toFixed(2)} ns/byte on the event loop, ${cost.total.toFixed(2)} ns/byte until on disk`);
}
await sealThread.close();
bridge.close();
rmSync(remote, { force: true });
rmSync(dir, { recursive: true, force: true });
await fixture.sshd.close();
process.exit(0);
