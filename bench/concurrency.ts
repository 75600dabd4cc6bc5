/**
 * Concurrency: N SSH sessions at once through one relay process and one gateway process to a
 * real OpenSSH sshd, against the same N sessions straight to that sshd in the same run. Each
 * session is an exec channel running `cat`: opened `concurrency` at a time, each until its first
 * echo comes back (the handshake storm, timed on its own; the gateway accepts the exec before its
 * own login to the target is done), then every session does its round trips of a small message at the same
 * time, then all close. Per N: sessions opened / errors by type, time to open all, p50/p99 round
 * trip across all sessions (all of them, and without each session's first trips, which start
 * together and queue behind each other), CPU seconds per process, relay and gateway RSS idle and
 * with all N open → KiB per session.
 *
 * Path: ssh2 client → TLS to relay → relay channel over the gateway's SSH tunnel → inner mTLS
 * (session certificate) → gateway SSH bridge → ssh2 client with a per-session certificate → sshd.
 *
 *   node --import tsx bench/concurrency.ts [counts=100,500,1000] [round-trips=20] [concurrency=50]
 */
import { loadavg } from 'node:os';
import ssh2 from 'ssh2';
import type { CipherAlgorithm } from 'ssh2';
import { dialGateway } from '../desktop/src/core/dialer.ts';
import { connectGatewaySsh } from '../desktop/src/core/ssh/gateway-ssh-client.ts';
import { TransportPki, type TlsCredentials } from '../shared/src/relay/transport-pki.test-support.ts';
import { SSH2_FAST_CIPHERS } from '../shared/src/ssh/ssh2-certificates.ts';
import { encodeOpenSshPrivateKey } from '../shared/src/ssh/private-key.ts';
import { dialOptionsFor, startRelayProcess, startSessionCheck } from '../test/e2e/transport-harness.ts';
import { GATEWAY_HOST_KEY, startTargetFixture, type TargetFixture } from '../test/fixtures/ssh-bridge.ts';
import { closeSessions, echoAll, execCat, openSessions, type EchoSession, type ErrorTally } from './lib/echo-sessions.ts';
import { cpuSeconds, ensureOpenFileLimit, processLimit, rssKb } from './lib/proc.ts';
import { report } from './lib/report.ts';
import { startSshGatewayProcess } from './lib/ssh-gateway-process.ts';
import { median, percentile } from './lib/stats.ts';

const counts = (process.argv[2] ?? '100,500,1000').split(',').map(Number);
const roundTrips = Number(process.argv[3] ?? 20);
const concurrency = Number(process.argv[4] ?? 50);
const MESSAGE_BYTES = 64;
/** Round trips per session left out of the "settled" latency (see echoAll). */
const SETTLE_TRIPS = 3;
const STEP_MS = 60_000;
const org = { orgId: 'org-bench', gatewayId: 'gw-bench-concurrency' };

interface PhaseResult {
  opened: number;
  errors: ErrorTally;
  openAllMs: number;
  openP50: number;
  openP99: number;
  rttP50: number;
  rttP99: number;
  /** p50/p99 of the round trips after each session's first SETTLE_TRIPS. */
  settledP50: number;
  settledP99: number;
  /** CPU seconds each process used while opening, and while echoing. */
  cpu: { open: CpuSplit; echo: CpuSplit };
  /** RSS in KiB of the relay and gateway, idle and with all sessions open (Postern path only). */
  rss?: { relay: [number, number]; gateway: [number, number] };
}

type CpuSplit = Record<string, number>;

/** One session straight to sshd with the stored user key (the baseline). */
function directSession(fixture: TargetFixture): Promise<EchoSession> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    client.on('error', (error) => { client.end(); reject(error); });
    client.once('ready', () => execCat(client).then((channel) => resolve({ client, channel }), (error: Error) => { client.end(); reject(error); }));
    client.connect({
      host: fixture.sshd.host, port: fixture.sshd.port, username: fixture.sshd.user, privateKey: encodeOpenSshPrivateKey(fixture.userKey.privateKey),
      algorithms: { cipher: [...SSH2_FAST_CIPHERS] as CipherAlgorithm[] }, readyTimeout: STEP_MS, hostVerifier: () => true,
    });
  });
}

/** One session through relay and gateway with its own session certificate. */
async function relayedSession(pki: TransportPki, materials: ReturnType<TransportPki['relayMaterials']>, relayPort: number, session: TlsCredentials): Promise<EchoSession> {
  const socket = await dialGateway({ ...dialOptionsFor(pki, materials, relayPort, { ...org, session, alpn: 'postern-ssh' }), timeoutMs: STEP_MS });
  try {
    const { client } = await connectGatewaySsh(socket, { readyTimeoutMs: STEP_MS });
    const channel = await execCat(client).catch((error: Error) => { client.end(); throw error; });
    return { client, channel };
  } catch (error) {
    socket.destroy();
    throw error;
  }
}

/** CPU seconds so far of this process (the clients) and of the given processes. */
function cpuNow(pids: Record<string, number>): CpuSplit {
  const usage = process.cpuUsage();
  return { clients: (usage.user + usage.system) / 1e6, ...Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuSeconds(pid)])) };
}

const cpuSince = (start: CpuSplit, end: CpuSplit): CpuSplit => Object.fromEntries(Object.entries(end).map(([name, value]) => [name, value - (start[name] ?? 0)]));

async function runPhase(count: number, open: (index: number) => Promise<EchoSession>, pids: { relay: number; gateway: number } | Record<string, never> = {}): Promise<PhaseResult> {
  const rssOf = () => Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, rssKb(pid)]));
  const idle = rssOf();
  const cpuStart = cpuNow(pids);
  const opened = await openSessions(count, concurrency, open);
  const cpuOpened = cpuNow(pids);
  const echoed = await echoAll(opened.sessions, roundTrips, MESSAGE_BYTES, SETTLE_TRIPS);
  const cpuEchoed = cpuNow(pids);
  // With every session open and having carried traffic: the steady state the RSS figure is about.
  const busy = rssOf();
  await closeSessions(opened.sessions);
  const errors = new Map(opened.errors);
  for (const [type, times] of echoed.errors) errors.set(type, (errors.get(type) ?? 0) + times);
  const samples = echoed.samples.length ? echoed.samples : [NaN];
  const settled = echoed.settled.length ? echoed.settled : [NaN];
  const openSamples = opened.openMs.length ? opened.openMs : [NaN];
  return {
    opened: opened.sessions.length, errors, openAllMs: opened.totalMs,
    openP50: median(openSamples), openP99: percentile(openSamples, 0.99),
    rttP50: median(samples), rttP99: percentile(samples, 0.99), settledP50: median(settled), settledP99: percentile(settled, 0.99),
    cpu: { open: cpuSince(cpuStart, cpuOpened), echo: cpuSince(cpuOpened, cpuEchoed) },
    ...('relay' in pids ? { rss: { relay: [idle.relay!, busy.relay!], gateway: [idle.gateway!, busy.gateway!] } } : {}),
  };
}

/** KiB of RSS per open session: (with all open − idle) / sessions. */
const perSession = ([idle, busy]: [number, number], sessions: number) => (busy - idle) / Math.max(1, sessions);

const errorCount = (errors: ErrorTally) => [...errors.values()].reduce((sum, times) => sum + times, 0);

const kib = (rss: [number, number], sessions: number) => `${(rss[0] / 1024).toFixed(0)} → ${(rss[1] / 1024).toFixed(0)} MiB (${perSession(rss, sessions).toFixed(0)} KiB/session)`;

function printPhase(name: string, count: number, result: PhaseResult): void {
  const errors = errorCount(result.errors);
  console.log(`  ${name.padEnd(22)} opened ${result.opened}/${count}, errors ${errors}; open all ${(result.openAllMs / 1000).toFixed(1)} s `
    + `(each: p50 ${result.openP50.toFixed(0)} ms, p99 ${result.openP99.toFixed(0)} ms); round trip p50 ${result.rttP50.toFixed(1)} ms, p99 ${result.rttP99.toFixed(1)} ms `
    + `(after the first ${SETTLE_TRIPS}: p50 ${result.settledP50.toFixed(1)} ms, p99 ${result.settledP99.toFixed(1)} ms)`
    + (result.rss ? `; RSS relay ${kib(result.rss.relay, result.opened)}, gateway ${kib(result.rss.gateway, result.opened)}` : ''));
  const cpu = (split: CpuSplit) => Object.entries(split).map(([name, seconds]) => `${name} ${seconds.toFixed(1)}`).join(', ');
  console.log(`      CPU s while opening: ${cpu(result.cpu.open)}; while echoing: ${cpu(result.cpu.echo)}`);
  for (const [type, times] of result.errors) console.log(`      ${String(times).padStart(5)} × ${type}`);
}

function reportPhase(count: number, postern: PhaseResult, direct: PhaseResult): void {
  const label = `Concurrency ${count} SSH sessions`;
  const errors = errorCount(postern.errors);
  report({ measure: `${label}: errors (open + echo)`, unit: 'errors', value: errors, baseline: { name: 'straight to sshd', value: errorCount(direct.errors) }, better: 'lower', target: '0', met: errors === 0 });
  report({ measure: `${label}: p99 round trip, all echoing`, unit: 'ms', value: postern.rttP99, baseline: { name: 'straight to sshd', value: direct.rttP99 }, better: 'lower' });
  report({ measure: `${label}: p99 round trip, after ${SETTLE_TRIPS} per session`, unit: 'ms', value: postern.settledP99, baseline: { name: 'straight to sshd', value: direct.settledP99 }, better: 'lower' });
  report({ measure: `${label}: open all, ${concurrency} at a time`, unit: 'ms', value: postern.openAllMs, baseline: { name: 'straight to sshd', value: direct.openAllMs }, better: 'lower' });
  if (!postern.rss) return;
  report({ measure: `${label}: relay RSS per session`, unit: 'KiB', value: perSession(postern.rss.relay, postern.opened), better: 'lower' });
  report({ measure: `${label}: gateway RSS per session`, unit: 'KiB', value: perSession(postern.rss.gateway, postern.opened), better: 'lower' });
}

/** The relay's log events that mean a session was refused or its gateway went away. */
function relayTrouble(output: string): Map<string, number> {
  const trouble = new Map<string, number>();
  for (const match of output.matchAll(/"event":"(client_refused|channel_open_failed|gateway_disconnected|gateway_connection_error)"(?:.*?"status":"([a-z_]+)")?/g)) {
    const type = match[2] ? `${match[1]} ${match[2]}` : match[1]!;
    trouble.set(type, (trouble.get(type) ?? 0) + 1);
  }
  return trouble;
}

/**
 * RSS per session without the one-time warm-up: the growth of RSS-with-all-open between two runs
 * of different N (each on fresh processes), divided by the difference in sessions.
 */
function printMarginalRss(results: PhaseResult[]): void {
  for (let i = 1; i < results.length; i++) {
    const [small, large] = [results[i - 1]!, results[i]!];
    if (!small.rss || !large.rss || large.opened === small.opened) continue;
    const slope = (process: 'relay' | 'gateway') => ((large.rss![process][1] - small.rss![process][1]) / (large.opened - small.opened)).toFixed(0);
    console.log(`marginal RSS per session from ${small.opened} to ${large.opened} sessions: relay ${slope('relay')} KiB, gateway ${slope('gateway')} KiB`);
  }
}

type Pki = { pki: TransportPki; materials: ReturnType<TransportPki['relayMaterials']> };

/** A fresh relay and gateway process pair, so each N's RSS starts from an idle process. */
async function startPostern({ pki, materials }: Pki, fixture: TargetFixture, sessionCheckUrl: string) {
  const relay = await startRelayProcess(materials);
  const gateway = startSshGatewayProcess(pki, materials, {
    ...org, relaySshPort: relay.sshPort, sessionCheckUrl,
    target: {
      host: fixture.sshd.host, port: fixture.sshd.port, hostKey: fixture.sshd.hostKeyPublic, username: fixture.sshd.user,
      userCaKeyPem: fixture.userCa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), gatewayHostKey: encodeOpenSshPrivateKey(GATEWAY_HOST_KEY.privateKey),
    },
  });
  const stop = () => Promise.all([gateway.stop(), relay.kill()]).then(() => undefined);
  await gateway.waitFor('tunnel_connected').catch(async (error: Error) => { await stop(); throw error; });
  return { relay, gateway, stop };
}

async function measure(count: number, { pki, materials }: Pki, fixture: TargetFixture, sessionCheckUrl: string): Promise<PhaseResult> {
  const certificates = Array.from({ length: count }, (_, i) => pki.session(org.orgId, org.gatewayId, { sessionId: `ses-bench-${count}-${i}` }));
  console.log(`\nN = ${count} (load average ${loadavg()[0]!.toFixed(2)})`);
  const direct = await runPhase(count, () => directSession(fixture));
  printPhase('straight to sshd', count, direct);
  const { relay, gateway, stop } = await startPostern({ pki, materials }, fixture, sessionCheckUrl);
  try {
    const postern = await runPhase(count, (i) => relayedSession(pki, materials, relay.tlsPort, certificates[i]!), { relay: relay.pid, gateway: gateway.pid });
    printPhase('relay + gateway', count, postern);
    // Every bridge has ended before the processes stop, so teardown is not counted as an error.
    await gateway.waitFor('ssh_session_closed', postern.opened, STEP_MS).catch((error: Error) => console.log(`  (${error.message})`));
    for (const [type, times] of gateway.warnings()) console.log(`      gateway warned ${times} × ${type}`);
    for (const [type, times] of relayTrouble(relay.output())) console.log(`      relay logged ${times} × ${type}`);
    reportPhase(count, postern, direct);
    return postern;
  } finally {
    await stop();
  }
}

async function main(): Promise<void> {
  const largest = Math.max(...counts);
  // Per session: one socket here, one in the relay, one in the gateway, one sshd connection (two processes + cat).
  const fileLimit = ensureOpenFileLimit(2 * largest + 1024);
  const loadBefore = loadavg()[0]!;
  console.log(`open-file limit ${fileLimit}, process limit ${processLimit()}, ${roundTrips} round trips of ${MESSAGE_BYTES} bytes per session, opened ${concurrency} at a time`);
  const fixture = await startTargetFixture();
  const pki = new TransportPki();
  const materials = pki.relayMaterials();
  const sessionCheck = await startSessionCheck();
  try {
    const results: PhaseResult[] = [];
    for (const count of counts) results.push(await measure(count, { pki, materials }, fixture, sessionCheck.url));
    printMarginalRss(results);
  } finally {
    await sessionCheck.close();
    await fixture.sshd.close();
  }
  console.log(`\n1-minute load average before/after: ${loadBefore.toFixed(2)} / ${loadavg()[0]!.toFixed(2)} (2 cores, shared)`);
}

await main();
process.exit(0);
