/**
 * scp throughput through the gateway SSH bridge against scp straight to sshd, in the same run:
 * real OpenSSH scp → TCP → bridge (ssh2 Server → ssh2 Client, per-session certificate login)
 * → sshd. The bridge runs in this process; the relay and TLS hops are measured by
 * test/e2e/ssh-relay.test.ts (POSTERN_BENCH_SCP_MB=100).
 *
 *   node --import tsx bench/ssh-scp.ts [megabytes=100] [rounds=3]
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { encodeOpenSshPrivateKey } from '../shared/src/ssh/private-key.ts';
import { formatPublicKeyLine } from '../shared/src/ssh/keys.ts';
import { writeKnownHost } from '../desktop/src/core/ssh/known-hosts.ts';
import { GATEWAY_HOST_KEY, serveBridge, startTargetFixture } from '../test/fixtures/ssh-bridge.ts';
import { scratchDir } from '../test/fixtures/ssh-keygen.ts';
import { clientOptions } from './lib/openssh.ts';
import { report } from './lib/report.ts';
import { median } from './lib/stats.ts';

const megabytes = Number(process.argv[2] ?? 100);
const rounds = Number(process.argv[3] ?? 3);

const fixture = await startTargetFixture();
const dir = scratchDir();
const bridge = net.createServer((socket) => {
  socket.setNoDelay(true);
  serveBridge(socket, fixture, { credential: fixture.credentials.certificate });
});
await new Promise<void>((resolve) => bridge.listen(0, '127.0.0.1', resolve));
const bridgePort = (bridge.address() as net.AddressInfo).port;
const knownHosts = await writeKnownHost(join(dir.path, 'known_hosts'), '127.0.0.1', bridgePort, formatPublicKeyLine(GATEWAY_HOST_KEY.publicKey));
const key = dir.write('id_ed25519', encodeOpenSshPrivateKey(fixture.userKey.privateKey));
const payload = join(dir.path, 'payload.bin');
writeFileSync(payload, randomBytes(megabytes * 1024 * 1024));
const remote = `/tmp/postern-bench-${process.pid}.bin`;
const paths = {
  direct: [...clientOptions(key), '-P', String(fixture.sshd.port)],
  bridge: [...clientOptions(undefined, knownHosts), '-P', String(bridgePort)],
};

/** Asynchronous on purpose: the bridge runs in this process and must keep serving while scp runs. */
async function scp(args: string[]): Promise<number> {
  const started = performance.now();
  await promisify(execFile)('scp', args, { timeout: 300_000 });
  return megabytes / ((performance.now() - started) / 1000);
}

const results: Record<string, number[]> = {};
for (let round = 0; round < rounds; round++) {
  for (const cipher of ['aes128-gcm@openssh.com', 'chacha20-poly1305@openssh.com']) {
    for (const [name, args] of Object.entries(paths)) {
      const label = `${name} ${cipher.split('@')[0]}`;
      (results[`${label} up`] ??= []).push(await scp(['-c', cipher, ...args, payload, `${fixture.sshd.user}@127.0.0.1:${remote}`]));
      (results[`${label} down`] ??= []).push(await scp(['-c', cipher, ...args, `${fixture.sshd.user}@127.0.0.1:${remote}`, join(dir.path, 'back.bin')]));
    }
  }
}
console.log(`scp ${megabytes} MB × ${rounds}, load average ${loadavg()[0]!.toFixed(1)} — MB/s (best, median):`);
for (const [label, values] of Object.entries(results)) {
  values.sort((a, b) => b - a);
  console.log(`  ${label.padEnd(32)} ${values[0]!.toFixed(0).padStart(5)} ${values[Math.floor(values.length / 2)]!.toFixed(0).padStart(5)}`);
}
const medianOf = (label: string) => median(results[label]!);
for (const direction of ['up', 'down']) {
  report({ measure: `SSH bridge alone (no relay), scp ${direction} aes128-gcm`, unit: 'MB/s', value: medianOf(`bridge aes128-gcm ${direction}`), better: 'higher',
    baseline: { name: 'direct', value: medianOf(`direct aes128-gcm ${direction}`) } });
}
execFileSync('rm', ['-f', remote]);
bridge.close();
await fixture.sshd.close();
dir.remove();
