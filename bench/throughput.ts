/**
 * Throughput of a `--local-port` session: the real `scp` (SFTP) uploads a file to the target
 * sshd three ways, in the same run, rounds interleaved:
 *   direct  — scp straight to the sshd (plain TCP to the target);
 *   ssh -L  — scp through an OpenSSH port forward via the same sshd (the bastion a user would
 *             otherwise run: `ssh -L` then scp to the forwarded port);
 *   Postern — scp to the CLI's --local-port forwarder (the CLI's own code in this process) →
 *             relay process → gateway process (SSH bridge, credential injection) → the sshd.
 * Each path's handshake cost is measured with a 1-byte copy and subtracted, so the figure is the
 * data rate. Medians over the rounds.
 *
 *   npm run bench -- throughput            (POSTERN_BENCH_MB=256, POSTERN_BENCH_ROUNDS=3)
 */
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg, tmpdir } from 'node:os';
import { readGatewayHostKey, writeKnownHost } from '../desktop/src/core/ssh/known-hosts.ts';
import { serveLocalSshPort } from '../desktop/src/core/ssh/local-forwarder.ts';
import { openSshAccess } from '../desktop/src/core/ssh/ssh-access.ts';
import { startConnectDeployment } from './lib/connect-deployment.ts';
import { clientOptions, startOpenSshForward, timedRun } from './lib/openssh.ts';
import { cpuSeconds } from './lib/proc.ts';
import { report } from './lib/report.ts';
import { median } from './lib/stats.ts';

const megabytes = Number(process.env.POSTERN_BENCH_MB ?? 256);
const rounds = Number(process.env.POSTERN_BENCH_ROUNDS ?? 3);
type Path = 'direct' | 'ssh -L' | 'Postern';
// POSTERN_BENCH_PATHS=Postern runs one path alone, for profiling (the table needs all three).
const paths = (process.env.POSTERN_BENCH_PATHS?.split(',') ?? ['direct', 'ssh -L', 'Postern']) as Path[];

function writeRandomFile(file: string, bytes: number): void {
  const fd = openSync(file, 'w');
  const block = randomBytes(1 << 20);
  for (let written = 0; written < bytes; written += block.length) writeSync(fd, block, 0, Math.min(block.length, bytes - written));
  closeSync(fd);
}

const deployment = await startConnectDeployment();
const { sshd, directKeyFile } = deployment;
const work = mkdtempSync(join(tmpdir(), 'postern-bench-throughput-'));
const big = join(work, 'payload.bin');
const tiny = join(work, 'one-byte.bin');
writeRandomFile(big, megabytes * 1e6);
writeRandomFile(tiny, 1);

// What `postern pam ssh access --local-port` runs, in this process: the session (per-session
// certificate login at the target), the local forwarder, the gateway's host key in known_hosts.
const access = await openSshAccess(await deployment.signIn(), { ...deployment.target, durationSeconds: 3600 });
const forwarder = await serveLocalSshPort({ port: 0, dial: () => access.dial() });
const knownHosts = await writeKnownHost(join(work, 'postern_known_hosts'), forwarder.host, forwarder.port, await readGatewayHostKey(await access.dial()));
const bastion = await startOpenSshForward(directKeyFile, sshd.user, sshd.port, { host: '127.0.0.1', port: sshd.port });

const scpArgs: Record<Path, (file: string) => string[]> = {
  direct: (file) => [...clientOptions(directKeyFile), '-P', String(sshd.port), file, `${sshd.user}@127.0.0.1:/dev/null`],
  'ssh -L': (file) => [...clientOptions(directKeyFile), '-P', String(bastion.port), file, `${sshd.user}@127.0.0.1:/dev/null`],
  // The gateway authenticates the session by its certificate; the user name here is not used.
  Postern: (file) => [...clientOptions(undefined, knownHosts), '-P', String(forwarder.port), file, `postern@${forwarder.host}:/dev/null`],
};

const rates: Record<Path, number[]> = { direct: [], 'ssh -L': [], Postern: [] };
const setupMs: Record<Path, number[]> = { direct: [], 'ssh -L': [], Postern: [] };
const loadBefore = loadavg()[0]!;
/** CPU seconds the laptop (this process), relay and gateway spend per GB moved: stable on a busy machine. */
const posternCpu: Record<'laptop' | 'relay' | 'gateway', number[]> = { laptop: [], relay: [], gateway: [] };
const cpuNow = () => ({ laptop: process.cpuUsage(), relay: cpuSeconds(deployment.relay.child.pid!), gateway: cpuSeconds(deployment.gateway.child.pid!) });
for (let round = 0; round < rounds; round++) {
  // Rotate the order so no path always runs on a warmer (or busier) machine.
  const order = paths.map((_, i, all) => all[(i + round) % all.length]!);
  for (const path of order) {
    const setup = median([await timedRun('scp', scpArgs[path](tiny)), await timedRun('scp', scpArgs[path](tiny))]);
    const cpuBefore = cpuNow();
    const total = await timedRun('scp', scpArgs[path](big));
    if (path === 'Postern') {
      const cpuAfter = cpuNow();
      const perGb = 1000 / megabytes;
      const laptop = process.cpuUsage(cpuBefore.laptop);
      posternCpu.laptop.push(((laptop.user + laptop.system) / 1e6) * perGb);
      posternCpu.relay.push((cpuAfter.relay - cpuBefore.relay) * perGb);
      posternCpu.gateway.push((cpuAfter.gateway - cpuBefore.gateway) * perGb);
    }
    setupMs[path].push(setup);
    rates[path].push(megabytes / ((total - setup) / 1000));
  }
}

bastion.stop();
await forwarder.close();
await deployment.close();
rmSync(work, { recursive: true, force: true });

console.log(`scp upload of ${megabytes} MB × ${rounds} rounds; load average before/after ${loadBefore.toFixed(2)} / ${loadavg()[0]!.toFixed(2)}`);
for (const path of paths) {
  console.log(`  ${path.padEnd(8)} median ${median(rates[path]).toFixed(0).padStart(5)} MB/s  (${rates[path].map((r) => r.toFixed(0)).join(', ')}); handshake + 1-byte copy ${median(setupMs[path]).toFixed(0)} ms`);
}
if (posternCpu.relay.length) {
  console.log(`  Postern CPU seconds per GB: laptop (CLI forwarder) ${median(posternCpu.laptop).toFixed(2)}, relay ${median(posternCpu.relay).toFixed(2)}, gateway ${median(posternCpu.gateway).toFixed(2)}`);
}
if (paths.length < 3) process.exit(0);
const postern = median(rates.Postern);
report({ measure: `throughput, scp ${megabytes} MB via --local-port`, unit: 'MB/s', value: postern, better: 'higher',
  baseline: { name: 'ssh -L', value: median(rates['ssh -L']) }, target: '≥ 1.0× ssh -L', met: postern >= median(rates['ssh -L']) });
report({ measure: `throughput, scp ${megabytes} MB via --local-port`, unit: 'MB/s', value: postern, better: 'higher',
  baseline: { name: 'direct', value: median(rates.direct) } });
