/**
 * The gateway's `postern-ssh` handler against the real server routes (in-process) and a real
 * sshd that trusts the resource's SSH CA: credentials fetched as the gateway (password account,
 * and a certificate account whose key pair is made per session and signed by the server), and
 * an admin termination through the API closing a live command within a second.
 */
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ClientChannel, Client as Ssh2Client } from 'ssh2';
import { encodeOpenSshPrivateKey } from '@postern/shared/ssh/private-key';
import { httpSshTargetResolver, sshAlpnHandler } from '../../gateway/src/ssh/alpn.ts';
import { SessionTerminationWatch, httpWatchSessions } from '../../gateway/src/ssh/termination-watch.ts';
import { connectGatewaySsh } from '../../desktop/src/core/ssh/gateway-ssh-client.ts';
import { createTestServer, type TestServer } from '../../server/src/test/harness.ts';
import { PKI_ENV, makeRequesterKeys, seedPkiWorld, type PkiWorld } from '../../server/src/services/pki/pki-world.test-support.ts';
import { sshResourceInput } from '../../server/src/test/pam-fixtures.ts';
import { duplexPair } from '../fixtures/duplex-pair.ts';
import { GATEWAY_HOST_KEY, MemoryRecorder, memoryLogger, type LogLine } from '../fixtures/ssh-bridge.ts';
import { startSshd, type RunningSshd } from '../fixtures/sshd.ts';

let server: TestServer;
let world: PkiWorld;
let sshd: RunningSshd;
let terminations: SessionTerminationWatch;
const accounts: Record<'password' | 'certificate', string> = { password: '', certificate: '' };
const client = makeRequesterKeys('client');
const logs: LogLine[] = [];
const recorders = new Map<string, MemoryRecorder>();

/** fetch that lands in the in-process app: the gateway's HTTP client code runs unchanged. */
const appFetch = ((input: string | URL | Request, init?: RequestInit) => server.app.request(new Request(input, init))) as typeof fetch;

beforeAll(async () => {
  server = await createTestServer({ env: PKI_ENV });
  world = await seedPkiWorld(server);
  const admin = world.users.admin.token;
  const resource = (await server.post('/api/v1/pam/resources/ssh', sshResourceInput(world, { host: '127.0.0.1', port: 22 }), admin)).body;
  const caLine = (await server.get(`/api/v1/pam/resources/ssh/${resource.id}/ssh-ca-public-key`, admin)).text.trim();
  sshd = await startSshd({ passwordAuth: true, trustedUserCaKeys: [caLine] });
  expect((await server.patch(`/api/v1/pam/resources/ssh/${resource.id}`, { port: sshd.port }, admin)).status).toBe(200);
  const add = async (name: keyof typeof accounts, credential: Record<string, unknown>) => {
    const res = await server.post('/api/v1/pam/accounts', { resourceId: resource.id, name, credential }, admin);
    expect(res.status).toBe(201);
    accounts[name] = res.body.id;
  };
  await add('password', { type: 'ssh-password', username: sshd.user, password: sshd.password });
  await add('certificate', { type: 'ssh-certificate', username: sshd.user });
  terminations = new SessionTerminationWatch({
    watch: httpWatchSessions({ serverUrl: 'http://postern.test', token: () => world.gatewayIdentityA.token, waitSeconds: 20, fetch: appFetch }),
    log: memoryLogger(logs),
  });
});

afterAll(async () => {
  terminations?.stop();
  await sshd?.close();
  await server?.close();
});

async function openSession(account: keyof typeof accounts): Promise<{ sessionId: string; expiresAt: string }> {
  const res = await server.post('/api/v1/pam/sessions', { accountId: accounts[account], durationSeconds: 600, csr: client.csr }, world.users.member.token);
  expect(res.status).toBe(201);
  return res.body;
}

async function connect(session: { sessionId: string; expiresAt: string }): Promise<Ssh2Client> {
  const handler = sshAlpnHandler({
    resolveTarget: httpSshTargetResolver({ serverUrl: 'http://postern.test', token: () => world.gatewayIdentityA.token, fetch: appFetch }),
    hostKey: encodeOpenSshPrivateKey(GATEWAY_HOST_KEY.privateKey),
    recorderFor: ({ sessionId }) => {
      const recorder = new MemoryRecorder();
      recorders.set(sessionId, recorder);
      return recorder;
    },
    terminations,
    log: memoryLogger(logs),
  });
  const [clientSide, gatewaySide] = duplexPair();
  handler(gatewaySide as unknown as TLSSocket, {
    kind: 'session',
    session: { orgId: world.a.org.id, gatewayId: world.a.gateway.id, sessionId: session.sessionId, resourceId: '', accountId: '', actorId: undefined, notAfter: new Date(session.expiresAt) },
  });
  return (await connectGatewaySsh(clientSide as Duplex)).client;
}

function exec(ssh: Ssh2Client, command: string): Promise<{ channel: ClientChannel; done: Promise<{ stdout: string; stderr: string; code: number | null | undefined }> }> {
  return new Promise((resolve, reject) => ssh.exec(command, (error, channel) => {
    if (error) return reject(error);
    const result = { stdout: '', stderr: '', code: undefined as number | null | undefined };
    channel.on('data', (chunk: Buffer) => { result.stdout += chunk.toString(); });
    channel.stderr.on('data', (chunk: Buffer) => { result.stderr += chunk.toString(); });
    channel.on('exit', (code: number | null) => { result.code = code; });
    resolve({ channel, done: new Promise((done) => channel.on('close', () => done(result))) });
  }));
}

it.each(['password', 'certificate'] as const)('a %s account logs in with what the server gives the gateway', async (account) => {
  const session = await openSession(account);
  const ssh = await connect(session);
  const { done } = await exec(ssh, 'whoami');
  const result = await done;
  ssh.end();
  expect(result).toMatchObject({ stdout: `${sshd.user}\n`, code: 0 });
  expect(recorders.get(session.sessionId)?.events).toContainEqual({ type: 'ssh.exec', command: 'whoami', exitCode: 0 });
});

it.each([
  { who: 'an admin terminating it', call: 'terminate', token: () => world.users.admin.token, line: /Postern: session terminated by an administrator at / },
  { who: 'its own user ending it', call: 'end', token: () => world.users.member.token, line: /Postern: session ended by you \(postern pam sessions end\) at / },
])('$who through the API ends a live session within a second, and the user is told who ended it', async ({ call, token, line }) => {
  const session = await openSession('password');
  const ssh = await connect(session);
  const { done } = await exec(ssh, 'echo started; sleep 30');
  const deadline = Date.now() + 5_000;
  while (!logs.some((entry) => entry.message === 'ssh channel opened' && (entry.fields as { sessionId?: string }).sessionId === session.sessionId)) {
    if (Date.now() > deadline) throw new Error('the command never started');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
  const endedAt = Date.now();
  expect((await server.post(`/api/v1/pam/sessions/${session.sessionId}/${call}`, {}, token())).status).toBe(200);
  const result = await done;
  const tookMs = Date.now() - endedAt;
  ssh.end();
  expect(result.stderr).toMatch(line);
  expect(tookMs).toBeLessThan(1_000);
  console.info(`${call} → session closed: ${tookMs} ms`);
});

it('a session the server no longer admits is refused with the reason on the channel', async () => {
  const session = await openSession('password');
  expect((await server.post(`/api/v1/pam/sessions/${session.sessionId}/terminate`, {}, world.users.admin.token)).status).toBe(200);
  const ssh = await connect(session);
  const { done } = await exec(ssh, 'true');
  const result = await done;
  ssh.end();
  expect(result.code).not.toBe(0);
  expect(result.stderr).toMatch(/Postern: session/);
  expect(result.stderr).not.toContain(sshd.password);
});
