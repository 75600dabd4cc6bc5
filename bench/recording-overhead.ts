/**
 * What recording costs on a shell-like stream: the real OpenSSH `ssh` client runs `cat` of a
 * shell-like text file (ls -l lines, ANSI colours, prompts) through the gateway SSH bridge to the
 * real sshd, once with NO_RECORDING and once recorded by the gateway's own RecordingSpool
 * (records framed into 448 KiB chunks, sealed with AES-256-GCM and appended to segment files in
 * a spool folder on the seal thread, exactly as the gateway does; the server is a stub that only hands out the
 * session key, so nothing is uploaded). Rounds alternate; figures are medians.
 * Besides MB/s it counts CPU: the gateway's main thread (the event loop that carries sessions)
 * and the whole process (main + seal thread), per MB — the figures that stay meaningful when
 * other work shares the cores. Then the recorder alone: event-loop ns per byte.
 *
 *   node --import tsx bench/recording-overhead.ts [megabytes=64] [rounds=7] [spool-parent=/var/tmp]
 *
 * The spool goes under /var/tmp, not /tmp: on the shared bench machine every engineer's tests
 * create and delete files in /tmp all the time, and creating a file there costs ~0.5–1 ms of
 * CPU (measured; ~20–80 µs in any other folder of the same disk), which would bill the
 * recorder for the neighbours' churn. A gateway spools into its own data folder.
 */
import { spawn } from 'node:child_process';
import { createCipheriv, randomUUID } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writevSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import net from 'node:net';
import { join } from 'node:path';
import { CHUNK_OVERHEAD_BYTES, generateRecordingKey, prepareChunkSeal } from '../shared/src/recording/chunk.ts';
import { NO_RECORDING, type SessionRecorder } from '../shared/src/recording/recorder.ts';
import { encodeOpenSshPrivateKey } from '../shared/src/ssh/private-key.ts';
import { silentLogger } from '../gateway/src/logger.ts';
import { DEFAULT_CHUNK_BYTES } from '../gateway/src/recording/chunk-writer.ts';
import { RecordingSpool } from '../gateway/src/recording/recording-spool.ts';
import { CHUNKS_PER_SEGMENT, segmentFrameHeader } from '../gateway/src/recording/spool-segments.ts';
import { serveBridge, startTargetFixture } from '../test/fixtures/ssh-bridge.ts';
import { report } from './lib/report.ts';
import { median } from './lib/stats.ts';

const megabytes = Number(process.argv[2] ?? 64);
const rounds = Number(process.argv[3] ?? 7);
const dir = mkdtempSync(join(process.argv[4] ?? '/var/tmp', 'postern-bench-rec-'));
const loadAtStart = loadavg()[0]!;

/** One MiB of distinct lines, repeated: building 64 MB line by line would leave the collector busy during the rounds. */
function shellLikeText(bytes: number): Buffer {
  const block = shellLikeBlock(1024 * 1024);
  const text = Buffer.allocUnsafeSlow(bytes);
  for (let offset = 0; offset < bytes; offset += block.length) block.copy(text, offset, 0, Math.min(block.length, bytes - offset));
  return text;
}

function shellLikeBlock(bytes: number): Buffer {
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

/** utime + stime and cutime + cstime of one /proc stat line, in seconds (clock ticks of 1/100 s). */
function statCpu(path: string): { own: number; children: number } {
  const stat = readFileSync(path, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { own: (Number(fields[11]) + Number(fields[12])) / 100, children: (Number(fields[13]) + Number(fields[14])) / 100 };
}
const mainThreadCpuSeconds = () => statCpu(`/proc/self/task/${process.pid}/stat`).own;
const processCpuSeconds = () => { const usage = process.cpuUsage(); return (usage.user + usage.system) / 1e6; };
const threadIds = () => readdirSync('/proc/self/task').map(Number);

/** The seal thread is the one thread that appears when the spool starts (it creates its worker then). */
const threadsBeforeSpool = new Set(threadIds());
/** The gateway's recording spool; its server only answers the key request (no upload runs: `start()` is never called). */
const recordingKey = generateRecordingKey().toString('base64url');
const spool = new RecordingSpool({
  dir: join(dir, 'spool'),
  log: silentLogger,
  server: { serverUrl: 'http://127.0.0.1:9', token: () => 'bench', fetch: async () => Response.json({ key: recordingKey, nextIndex: 0 }) },
});

await new Promise((resolve) => setTimeout(resolve, 100));
const sealThreads = new Set(threadIds().filter((tid) => !threadsBeforeSpool.has(tid)));

/** `end` seals and spools the last chunk; `remove` deletes the session's spool files (not part of what is measured). */
function openRecording(): { recorder: SessionRecorder; end: () => Promise<void>; remove: () => void } {
  const sessionId = randomUUID();
  const recorder = spool.recorderFor({ sessionId, orgId: 'bench', gatewayId: 'bench', resourceId: 'bench', accountId: 'bench', actorId: undefined, notAfter: new Date(Date.now() + 3_600_000) });
  return { recorder, end: () => spool.endSession(sessionId), remove: () => rmSync(join(dir, 'spool', sessionId), { recursive: true, force: true }) };
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
const ssh = ['-F', '/dev/null', '-o', 'BatchMode=yes', '-o', 'LogLevel=ERROR', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-c', 'aes128-gcm@openssh.com', '-p', String(port), '-i', key, `${fixture.sshd.user}@127.0.0.1`, `cat ${remote}`];

/** The fixture's sshd listener (our child): its per-connection processes' CPU lands in its cutime once they exit. */
const sshdPid = readdirSync('/proc').filter((name) => /^\d+$/.test(name)).find((pid) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.includes('(sshd)') && stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1] === String(process.pid);
  } catch {
    return false;
  }
});
if (!sshdPid) throw new Error('the fixture sshd process was not found');

/** Where CPU goes on the machine for one session: the gateway's threads, and the ssh client and sshd it carries. */
const THREAD_GROUPS = ['eventLoop', 'sealThread', 'helpers', 'ssh', 'sshd'] as const;
type ThreadGroup = typeof THREAD_GROUPS[number];
function cpuByGroup(): Record<ThreadGroup, number> {
  const groups: Record<ThreadGroup, number> = { eventLoop: 0, sealThread: 0, helpers: 0, ssh: statCpu('/proc/self/stat').children, sshd: statCpu(`/proc/${sshdPid}/stat`).children };
  for (const tid of threadIds()) {
    let own = 0;
    try {
      own = statCpu(`/proc/self/task/${tid}/stat`).own;
    } catch {
      continue; // the thread ended between listing and reading
    }
    groups[tid === process.pid ? 'eventLoop' : sealThreads.has(tid) ? 'sealThread' : 'helpers'] += own;
  }
  return groups;
}

type Mode = 'off' | 'recorded';
interface Round { mbPerSecond: number; mainCpuPerMb: number; processCpuPerMb: number; diskLagMs: number; majorGcs: number; cpuPerMb: Record<ThreadGroup, number> }

/**
 * Full mark-compacts of the main isolate. Their count per run is bimodal on this machine (2–6 or
 * 30–70 per 640 MB, in either mode, by how V8 sized the old generation early on), and their
 * concurrent marking on the V8 helper threads costs up to ~1.5 ms CPU per MB: printed so a run
 * can be read for which of the two it was.
 */
let majorGcs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) if ((entry as unknown as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majorGcs += 1;
}).observe({ entryTypes: ['gc'] });

async function oneRound(mode: Mode): Promise<Round> {
  const recording = mode === 'recorded' ? openRecording() : undefined;
  current = recording?.recorder ?? NO_RECORDING;
  const [main0, process0, groups0] = [mainThreadCpuSeconds(), processCpuSeconds(), cpuByGroup()];
  const gcsBefore = majorGcs;
  const started = performance.now();
  // Asynchronously: the bridge runs in this process's event loop.
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn('ssh', ssh, { stdio: ['ignore', 'ignore', 'inherit'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.once('exit', (exit) => { clearTimeout(timer); resolve(exit); });
  });
  if (code !== 0) throw new Error(`ssh exited with ${code}`);
  const ended = performance.now();
  const [main1, process1] = [mainThreadCpuSeconds(), processCpuSeconds()];
  await recording?.end();
  // After the end, so the seal thread's work on the last chunks and sshd's reaped session are counted.
  await new Promise((resolve) => setTimeout(resolve, 50));
  const groups1 = cpuByGroup();
  recording?.remove();
  return {
    mbPerSecond: megabytes / ((ended - started) / 1000),
    mainCpuPerMb: ((main1 - main0) * 1000) / megabytes,
    processCpuPerMb: ((process1 - process0) * 1000) / megabytes,
    diskLagMs: performance.now() - ended,
    majorGcs: majorGcs - gcsBefore,
    cpuPerMb: Object.fromEntries(THREAD_GROUPS.map((group) => [group, ((groups1[group] - groups0[group]) * 1000) / megabytes])) as Record<ThreadGroup, number>,
  };
}

const results: Record<Mode, Round[]> = { off: [], recorded: [] };
await oneRound('off'); // warm-up: JIT, page cache, sshd's first fork
for (let round = 0; round < rounds; round += 1) {
  // Alternate which goes first, so a slow stretch of the machine does not always land on one mode.
  const order: Mode[] = round % 2 === 0 ? ['off', 'recorded'] : ['recorded', 'off'];
  for (const mode of order) results[mode].push(await oneRound(mode));
}

const ALONE_PASSES = 4;
/** The recorder alone: the same text in 32 KiB writes (what the bridge hands it), yielding to the loop as a session would. */
async function recorderAlone(mode: Mode, text: Buffer): Promise<number> {
  const recording = mode === 'recorded' ? openRecording() : undefined;
  const terminal = (recording?.recorder ?? NO_RECORDING).openTerminal({ cols: 120, rows: 40 });
  const before = mainThreadCpuSeconds();
  for (let pass = 0; pass < ALONE_PASSES; pass += 1) {
    for (let offset = 0; offset < text.length; offset += 32_768) {
      terminal.output(text.subarray(offset, offset + 32_768));
      if ((offset / 32_768) % 4 === 3) await new Promise((resolve) => setImmediate(resolve));
    }
  }
  await recording?.end();
  const nsPerByte = ((mainThreadCpuSeconds() - before) * 1e9) / (text.length * ALONE_PASSES);
  recording?.remove();
  return nsPerByte;
}
const text = shellLikeText(megabytes * 1024 * 1024);
const alone: Record<Mode, number[]> = { off: [], recorded: [] };
for (let round = 0; round < 3; round += 1) for (const mode of ['off', 'recorded'] as const) alone[mode].push(await recorderAlone(mode, text));

/**
 * The work recording cannot skip, each part alone on this thread, in CPU ms per MB: copying the
 * bytes into a chunk slot, AES-256-GCM over them with node:crypto as the seal thread runs it, and
 * appending the sealed chunks to segment files (a new file every CHUNKS_PER_SEGMENT, removed as
 * the uploader would). Against the unrecorded session's CPU per MB this is the least slowdown a
 * CPU-bound recorded session can show on this machine, whatever the spool's design.
 */
function unavoidableWork(text: Buffer): { copy: number; seal: number; append: number } {
  const slot = Buffer.from(new SharedArrayBuffer(DEFAULT_CHUNK_BYTES));
  const key = generateRecordingKey();
  const sessionId = randomUUID();
  const folder = mkdtempSync(join(dir, 'floor-'));
  const spent = { copy: 0, seal: 0, append: 0 };
  const cpuMs = () => { const usage = process.cpuUsage(); return (usage.user + usage.system) / 1000; };
  let fd = -1;
  let index = 0;
  for (let pass = 0; pass < ALONE_PASSES; pass += 1) {
    for (let start = 0; start < text.length; start += DEFAULT_CHUNK_BYTES) {
      const chunk = slot.subarray(0, Math.min(DEFAULT_CHUNK_BYTES, text.length - start));
      let at = cpuMs();
      for (let offset = 0; offset < chunk.length; offset += 32_768) chunk.fill(text.subarray(start + offset, start + Math.min(offset + 32_768, chunk.length)), offset, Math.min(offset + 32_768, chunk.length));
      spent.copy += cpuMs() - at;
      at = cpuMs();
      const { head, iv, aad } = prepareChunkSeal(sessionId, { index, final: false });
      const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
      cipher.setAAD(aad);
      const body = cipher.update(chunk);
      cipher.final();
      const parts = [segmentFrameHeader(CHUNK_OVERHEAD_BYTES + chunk.length), head, body, cipher.getAuthTag()];
      spent.seal += cpuMs() - at;
      at = cpuMs();
      if (index % CHUNKS_PER_SEGMENT === 0) {
        if (fd >= 0) closeSync(fd);
        rmSync(join(folder, `${index - CHUNKS_PER_SEGMENT}.segment`), { force: true });
        fd = openSync(join(folder, `${index}.segment`), 'w', 0o600);
      }
      writevSync(fd, parts);
      spent.append += cpuMs() - at;
      index += 1;
    }
  }
  closeSync(fd);
  rmSync(folder, { recursive: true, force: true });
  const mb = (text.length * ALONE_PASSES) / (1024 * 1024);
  return { copy: spent.copy / mb, seal: spent.seal / mb, append: spent.append / mb };
}
const floors = [unavoidableWork(text), unavoidableWork(text), unavoidableWork(text)];
const floor = { copy: median(floors.map((f) => f.copy)), seal: median(floors.map((f) => f.seal)), append: median(floors.map((f) => f.append)) };
const floorTotal = floor.copy + floor.seal + floor.append;

const figure = (mode: Mode, field: Exclude<keyof Round, 'cpuPerMb'>) => median(results[mode].map((r) => r[field]));
const load = `load average ${loadAtStart.toFixed(1)} at start, ${loadavg()[0]!.toFixed(1)} at end`;
console.log(`ssh cat of ${megabytes} MB shell-like text through the bridge, ${rounds} rounds each, ${load}:`);
for (const mode of ['off', 'recorded'] as const) {
  const label = mode === 'off' ? 'NO_RECORDING' : 'recorded (RecordingSpool)';
  const slower = mode === 'off' ? '' : `, ${((1 - figure(mode, 'mbPerSecond') / figure('off', 'mbPerSecond')) * 100).toFixed(1)}% slower`;
  console.log(`  ${label.padEnd(26)} median ${figure(mode, 'mbPerSecond').toFixed(0)} MB/s (${results[mode].map((r) => r.mbPerSecond.toFixed(0)).join(', ')})${slower}`);
  console.log(`  ${''.padEnd(26)} CPU per MB: main thread ${figure(mode, 'mainCpuPerMb').toFixed(2)} ms, whole process ${figure(mode, 'processCpuPerMb').toFixed(2)} ms`);
}
const groupFigure = (mode: Mode, group: ThreadGroup) => median(results[mode].map((r) => r.cpuPerMb[group]));
const totalFigure = (mode: Mode) => median(results[mode].map((r) => THREAD_GROUPS.reduce((sum, group) => sum + r.cpuPerMb[group], 0)));
console.log(`  CPU ms per MB by thread (median; ticks of 10 ms, so ±${(10 / megabytes).toFixed(2)} per round):`);
for (const mode of ['off', 'recorded'] as const) {
  console.log(`    ${mode.padEnd(9)} ${THREAD_GROUPS.map((group) => `${group} ${groupFigure(mode, group).toFixed(2)}`).join(', ')}, total ${totalFigure(mode).toFixed(2)}`);
}
console.log(`    extra     ${THREAD_GROUPS.map((group) => `${group} ${(groupFigure('recorded', group) - groupFigure('off', group)).toFixed(2)}`).join(', ')}, total ${(totalFigure('recorded') - totalFigure('off')).toFixed(2)} (${(((totalFigure('recorded') / totalFigure('off')) - 1) * 100).toFixed(1)}% more CPU)`);
console.log(`  last chunk on disk ${figure('recorded', 'diskLagMs').toFixed(0)} ms (median) after ssh exited; main-isolate mark-compacts per round (median): off ${figure('off', 'majorGcs')}, recorded ${figure('recorded', 'majorGcs')}`);
const aloneCost = median(alone.recorded) - median(alone.off);
console.log(`recorder alone (${megabytes * ALONE_PASSES} MB in 32 KiB writes): ${aloneCost.toFixed(2)} ns/byte of main-thread CPU (recorded ${median(alone.recorded).toFixed(2)}, the same loop unrecorded ${median(alone.off).toFixed(2)})`);

console.log(`unavoidable work alone (ms CPU per MB, median of 3 × ${megabytes * ALONE_PASSES} MB): copy ${floor.copy.toFixed(2)}, AES-256-GCM ${floor.seal.toFixed(2)}, append to segment files ${floor.append.toFixed(2)}; total ${floorTotal.toFixed(2)} = ${((floorTotal / totalFigure('off')) * 100).toFixed(1)}% of the unrecorded session's ${totalFigure('off').toFixed(2)} ms/MB (gateway + ssh + sshd)`);
console.log(`  so a CPU-bound recorded session is at best ~${((1 - totalFigure('off') / (totalFigure('off') + floorTotal)) * 100).toFixed(0)}% slower here; measured extra ${(totalFigure('recorded') - totalFigure('off')).toFixed(2)} ms/MB = ${((totalFigure('recorded') - totalFigure('off')) / floorTotal).toFixed(1)}× that floor`);

const ratio = figure('recorded', 'mbPerSecond') / figure('off', 'mbPerSecond');
report({
  measure: `Recording overhead: ssh cat ${megabytes} MB through the bridge, recorded vs not`,
  unit: 'MB/s', value: figure('recorded', 'mbPerSecond'), baseline: { name: 'recording off', value: figure('off', 'mbPerSecond') },
  better: 'higher', target: '≤ 5% slower', met: ratio >= 0.95,
});
report({
  measure: 'Recording overhead: extra CPU per MB (all threads, ssh, sshd) vs the unavoidable copy + seal + append',
  unit: 'ms/MB', value: totalFigure('recorded') - totalFigure('off'), baseline: { name: 'unavoidable work alone', value: floorTotal },
  better: 'lower',
});
report({
  measure: 'Recording overhead: gateway main-thread CPU per MB, recorded vs not',
  unit: 'ms/MB', value: figure('recorded', 'mainCpuPerMb'), baseline: { name: 'recording off', value: figure('off', 'mainCpuPerMb') },
  better: 'lower',
});

await spool.close();
bridge.close();
rmSync(remote, { force: true });
rmSync(dir, { recursive: true, force: true });
await fixture.sshd.close();
process.exit(0);
