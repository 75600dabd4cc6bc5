/**
 * SSH over the whole path: the user's ssh/scp (or the CLI's shell client) → local forwarder →
 * client dialer (TLS to the `postern-relay` process, mTLS to the gateway inside the relayed
 * channel, ALPN postern-ssh) → an in-process gateway (tunnel client, inner TLS, the SSH bridge)
 * → a real sshd, logging in with a per-session certificate. Only the server's credentials
 * answer is supplied by the test. Also measures time to a shell prompt and scp throughput
 * through the gateway against scp straight to sshd (POSTERN_BENCH_SCP_MB, default 8).
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { encodeOpenSshPrivateKey } from '@postern/shared/ssh/private-key';
import { runShellSession } from '../../desktop/src/cli/commands/ssh.ts';
import type { CliContext } from '../../desktop/src/cli/context.ts';
import { describeCliError } from '../../desktop/src/cli/program.ts';
import { dialGateway } from '../../desktop/src/core/dialer.ts';
import { connectGatewaySsh } from '../../desktop/src/core/ssh/gateway-ssh-client.ts';
import { readGatewayHostKey, writeKnownHost } from '../../desktop/src/core/ssh/known-hosts.ts';
import { serveLocalSshPort, type LocalForwarder } from '../../desktop/src/core/ssh/local-forwarder.ts';
import { loadGatewayConfig } from '../../gateway/src/config.ts';
import { startGateway, type RunningGateway } from '../../gateway/src/gateway.ts';
import { silentLogger } from '../../gateway/src/logger.ts';
import { httpSessionCheck } from '../../gateway/src/session-check.ts';
import { TransportPki } from '../../shared/src/relay/transport-pki.test-support.ts';
import { formatPublicKeyLine } from '@postern/shared/ssh/keys';
import { duplexPair } from '../fixtures/duplex-pair.ts';
import { GATEWAY_HOST_KEY, MemoryRecorder, serveBridge, startTargetFixture, type TargetFixture } from '../fixtures/ssh-bridge.ts';
import { scratchDir, type ScratchDir } from '../fixtures/ssh-keygen.ts';
import { dialOptionsFor, gatewayEnv, startRelayProcess, startSessionCheck, type RelayProcess } from './transport-harness.ts';

const pki = new TransportPki();
const materials = pki.relayMaterials();
const org = { orgId: 'org-ssh', gatewayId: 'gw-ssh' };
const sessionId = 'ses-ssh-relay';
const SCP_MB = Number(process.env.POSTERN_BENCH_SCP_MB ?? 8);

let relay: RelayProcess;
let sessionCheck: Awaited<ReturnType<typeof startSessionCheck>>;
let gateway: RunningGateway;
let fixture: TargetFixture;
let forwarder: LocalForwarder;
/** The bridge alone (no relay, no TLS): tells the bridge's cost apart from the transport's. */
let bridgeOnly: LocalForwarder;
let dir: ScratchDir;
let knownHosts: string;
const recorder = new MemoryRecorder();

const dial = () => dialGateway(dialOptionsFor(pki, materials, relay.tlsPort, { ...org, session: pki.session(org.orgId, org.gatewayId, { sessionId }), alpn: 'postern-ssh' }));

beforeAll(async () => {
  [relay, sessionCheck, fixture] = await Promise.all([startRelayProcess(materials), startSessionCheck(), startTargetFixture()]);
  dir = scratchDir();
  const config = loadGatewayConfig(gatewayEnv(pki, materials, { ...org, relaySshPort: relay.sshPort, sessionCheckUrl: sessionCheck.url }));
  gateway = startGateway(config, {
    checkSession: httpSessionCheck(config.sessionCheck), log: silentLogger,
    ssh: {
      resolveTarget: async () => ({
        target: { host: fixture.sshd.host, port: fixture.sshd.port, hostKeys: [fixture.sshd.hostKeyPublic] },
        credential: fixture.credentials.certificate,
        expiresAt: new Date(Date.now() + 3_600_000),
      }),
      hostKey: encodeOpenSshPrivateKey(GATEWAY_HOST_KEY.privateKey),
      recorderFor: () => recorder,
      log: silentLogger,
    },
  });
  await gateway.connected();
  forwarder = await serveLocalSshPort({ port: 0, dial });
  bridgeOnly = await serveLocalSshPort({
    port: 0,
    dial: async () => {
      const [clientSide, gatewaySide] = duplexPair();
      serveBridge(gatewaySide, fixture, { credential: fixture.credentials.certificate, recorder });
      return clientSide;
    },
  });
  await writeKnownHost(join(dir.path, 'known_hosts'), bridgeOnly.host, bridgeOnly.port, formatPublicKeyLine(GATEWAY_HOST_KEY.publicKey));
  knownHosts = await writeKnownHost(join(dir.path, 'known_hosts'), forwarder.host, forwarder.port, await readGatewayHostKey(await dial()));
}, 60_000);

afterAll(async () => {
  await forwarder?.close();
  await bridgeOnly?.close();
  gateway?.close();
  await Promise.all([relay?.kill(), sessionCheck?.close(), fixture?.sshd.close()]);
  dir?.remove();
});

function run(command: string, args: string[], timeoutMs = 120_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs, encoding: 'utf8', maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}

const viaGateway = () => ['-F', '/dev/null', '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'StrictHostKeyChecking=yes'];
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

it('opens a shell through relay and gateway; measures the time to the first prompt', async () => {
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    const { client } = await connectGatewaySsh(await dial());
    const output = await new Promise<string>((resolve, reject) => {
      client.shell({ rows: 24, cols: 80, term: 'xterm' }, (error, channel) => {
        if (error) return reject(error);
        let text = '';
        channel.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          if (/[$#] $/.test(text)) {
            samples.push(performance.now() - started);
            channel.end('exit\n');
          }
        });
        channel.on('close', () => resolve(text));
      });
    });
    client.end();
    expect(output).toMatch(/[$#] /);
  }
  samples.sort((a, b) => a - b);
  console.info(`dial → shell prompt through relay + gateway (certificate login): median ${samples[2]!.toFixed(0)} ms, min ${samples[0]!.toFixed(0)} ms`);
  expect(recorder.terminals.length).toBeGreaterThanOrEqual(5);
});

it('the user\'s ssh runs a command through relay and gateway with the gateway host key known', async () => {
  const result = await run('ssh', ['-p', String(forwarder.port), ...viaGateway(), `me@${forwarder.host}`, 'whoami; exit 4']);
  expect(result).toMatchObject({ code: 4, stdout: `${fixture.sshd.user}\n` });
});

it(`scp of ${SCP_MB} MB both ways through relay and gateway keeps the hash; compared with scp straight to sshd`, async () => {
  const local = join(dir.path, 'payload.bin');
  writeFileSync(local, randomBytes(SCP_MB * 1024 * 1024));
  const key = dir.write('id_ed25519', encodeOpenSshPrivateKey(fixture.userKey.privateKey));
  const direct = ['-F', '/dev/null', '-o', 'BatchMode=yes', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'StrictHostKeyChecking=no', '-i', key];
  const remote = `/tmp/postern-scp-bench-${process.pid}.bin`;
  const timed = async (args: string[]) => {
    const started = performance.now();
    const result = await run('scp', args);
    expect(result.code, result.stderr).toBe(0);
    return SCP_MB / ((performance.now() - started) / 1000);
  };
  const figures: Record<string, number> = {};
  for (const cipher of ['chacha20-poly1305@openssh.com', 'aes128-gcm@openssh.com']) {
    const c = ['-c', cipher];
    figures[`direct up ${cipher}`] = await timed([...c, '-P', String(fixture.sshd.port), ...direct, local, `${fixture.sshd.user}@127.0.0.1:${remote}`]);
    figures[`gateway up ${cipher}`] = await timed([...c, '-P', String(forwarder.port), ...viaGateway(), local, `me@${forwarder.host}:${remote}`]);
    figures[`bridge-only up ${cipher}`] = await timed([...c, '-P', String(bridgeOnly.port), ...viaGateway(), local, `me@${bridgeOnly.host}:${remote}`]);
    const back = join(dir.path, `back-${cipher}.bin`);
    figures[`gateway down ${cipher}`] = await timed([...c, '-P', String(forwarder.port), ...viaGateway(), `me@${forwarder.host}:${remote}`, back]);
    figures[`direct down ${cipher}`] = await timed([...c, '-P', String(fixture.sshd.port), ...direct, `${fixture.sshd.user}@127.0.0.1:${remote}`, back]);
    expect(sha256(back)).toBe(sha256(local));
  }
  await run('ssh', ['-p', String(forwarder.port), ...viaGateway(), `me@${forwarder.host}`, `rm -f ${remote}`]);
  console.info(`scp ${SCP_MB} MB, MB/s: ${JSON.stringify(Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, Math.round(v)])))}`);
  expect(recorder.events.some((event) => event.type === 'ssh.sftp' && event.op === 'write' && event.bytes === SCP_MB * 1024 * 1024)).toBe(true);
}, 300_000);

it('a gateway that is not connected to the relay: the CLI says so and what to do', async () => {
  const offline = { orgId: org.orgId, gatewayId: 'gw-ssh-offline' };
  const dialOffline = () => dialGateway(dialOptionsFor(pki, materials, relay.tlsPort, { ...offline, session: pki.session(offline.orgId, offline.gatewayId, { sessionId }), alpn: 'postern-ssh' }));
  const context = { env: {}, terminal: { input: new PassThrough(), output: new PassThrough(), error: new PassThrough() } } as unknown as CliContext;
  const error = await runShellSession(context, { sessionId, resourceName: 'web', accountName: 'ops', expiresAt: new Date(Date.now() + 60_000), dial: dialOffline }).then(() => undefined, (caught: unknown) => caught);
  expect(describeCliError(error)).toMatch(/^Error: The relay refused the connection \(unknown_gateway\): no gateway gw-ssh-offline has connected to this relay; check /);
});
