/**
 * Several relays and gateways with the real processes: two managed relays, a gateway on each
 * (a gateway enrolls with the newest relay), both in one pool. New sessions on a resource of
 * the pool go to either gateway, each through the relay that gateway is on, and work end to end
 * against a real sshd. Kill one gateway: once its presence lapses every new session goes to the
 * other, and a session already open on the other goes on.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, type Tokens } from '../../desktop/src/core/api-client.ts';
import { openSshAccess } from '../../desktop/src/core/ssh/ssh-access.ts';
import { createCertificateSigningRequest, generatePkiKeyPair } from '../../shared/src/pki/index.ts';
import { ownerToken, postJson, startServerProcess, type ServerProcess } from '../fixtures/server-process.ts';
import { ssh2Run } from '../fixtures/ssh-client.ts';
import { startSshd, type RunningSshd } from '../fixtures/sshd.ts';
import { createGatewayWithIdentity, eventually, gatewayHealth, startEnrolledGateway, startEnrolledRelay, type Proc } from './deployment-harness.ts';

const RELAY_TOKEN = 'relay-enrollment-token-for-the-pool-test-0123456789abc';
const { Client } = ssh2;

describe('gateway pools and several relays', () => {
  let server: ServerProcess;
  let owner: string;
  let sshd: RunningSshd;
  let api: ApiClient;
  const relays: Record<string, Proc & { tlsPort: number }> = {};
  const gateways: Record<string, { id: string; proc: Proc }> = {};
  const procs: Proc[] = [];
  const work = mkdtempSync(join(tmpdir(), 'postern-pools-'));
  const csr = createCertificateSigningRequest(generatePkiKeyPair(), 'pool-test');

  async function addGateway(name: string): Promise<void> {
    const created = await createGatewayWithIdentity(server, owner, name);
    const proc = startEnrolledGateway(server, created.token, join(work, name), { POSTERN_GATEWAY_PRESENCE_INTERVAL_MS: '400' });
    procs.push(proc);
    await proc.waitFor(/"event":"tunnel_connected"/);
    gateways[name] = { id: created.gatewayId, proc };
  }

  beforeAll(async () => {
    server = await startServerProcess({ env: { POSTERN_RELAY_ENROLLMENT_TOKEN: RELAY_TOKEN, POSTERN_GATEWAY_PRESENCE_TTL_SECONDS: '2' } });
    owner = await ownerToken(server);
    relays.a = await startEnrolledRelay(server, RELAY_TOKEN, 'edge-a', join(work, 'relay-a'));
    procs.push(relays.a);
    await addGateway('gw-a');
    relays.b = await startEnrolledRelay(server, RELAY_TOKEN, 'edge-b', join(work, 'relay-b'));
    procs.push(relays.b);
    await addGateway('gw-b');
    for (const name of ['gw-a', 'gw-b']) {
      const response = await fetch(`${server.url}/api/v1/orgs/${server.orgId}/gateways/${gateways[name]!.id}/pool`, {
        method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${owner}` }, body: JSON.stringify({ poolName: 'office' }),
      });
      expect(response.status).toBe(200);
    }
    sshd = await startSshd({ passwordAuth: true });
    const resource = await postJson(server, owner, '/api/v1/pam/resources/ssh', { projectId: server.projectId, name: 'box', gatewayId: gateways['gw-a']!.id, host: '127.0.0.1', port: sshd.port });
    await postJson(server, owner, '/api/v1/pam/accounts', { resourceId: resource.id, name: 'pw', credential: { type: 'ssh-password', username: sshd.user, password: sshd.password } });
    const tokens = await fetch(`${server.url}/api/v1/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: server.adminEmail, password: server.adminPassword }),
    }).then((r) => r.json() as Promise<Tokens>);
    api = new ApiClient({ serverUrl: server.url, tokens });
    for (const name of ['gw-a', 'gw-b']) await eventually(() => gatewayHealth(server, owner, gateways[name]!.id), (h) => h.status === 'connected' && h.reportedHealthy);
  }, 120_000);

  afterAll(async () => {
    for (const proc of procs) await proc.stop();
    await sshd?.close();
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  async function createSessions(count: number): Promise<Array<{ gatewayId: string; relay: { id: string; address: string } }>> {
    const accounts = await api.request('GET', '/api/v1/pam/accounts', { query: { projectId: server.projectId } }) as { accounts: Array<{ id: string }> };
    const out = [];
    for (let i = 0; i < count; i += 1) out.push(await postJson(server, owner, '/api/v1/pam/sessions', { accountId: accounts.accounts[0]!.id, durationSeconds: 300, csr }));
    return out;
  }

  const shell = async () => {
    const access = await openSshAccess(api, { projectId: server.projectId, resource: 'box', account: 'pw', durationSeconds: 300 });
    return ssh2Run({ sock: await access.dial() as never, username: 'postern' }, 'echo through-the-pool');
  };

  it('spreads sessions over the pool, each through the relay its gateway is on, and they work', async () => {
    const health = { a: await gatewayHealth(server, owner, gateways['gw-a']!.id), b: await gatewayHealth(server, owner, gateways['gw-b']!.id) };
    expect(health.a.relay.name).toBe('edge-a');
    expect(health.b.relay.name).toBe('edge-b');
    const sessions = await createSessions(16);
    const byGateway = new Map<string, Set<string>>();
    for (const s of sessions) byGateway.set(s.gatewayId, (byGateway.get(s.gatewayId) ?? new Set()).add(s.relay.address));
    expect([...byGateway.keys()].sort()).toEqual([gateways['gw-a']!.id, gateways['gw-b']!.id].sort());
    expect([...byGateway.get(gateways['gw-a']!.id)!]).toEqual([`127.0.0.1:${relays.a!.tlsPort}`]);
    expect([...byGateway.get(gateways['gw-b']!.id)!]).toEqual([`127.0.0.1:${relays.b!.tlsPort}`]);
    for (let i = 0; i < 4; i += 1) expect((await shell()).trim()).toBe('through-the-pool');
  }, 60_000);

  it('fails over when a gateway dies; sessions on the other gateway go on', async () => {
    // A live shell on gw-b (the one that stays): routed there by retrying until a session lands on it.
    let live: InstanceType<typeof Client> | undefined;
    for (let attempt = 0; attempt < 20 && !live; attempt += 1) {
      const access = await openSshAccess(api, { projectId: server.projectId, resource: 'box', account: 'pw', durationSeconds: 300 });
      const summary = await api.request('GET', `/api/v1/pam/sessions/${access.sessionId}`) as { gatewayId: string };
      if (summary.gatewayId !== gateways['gw-b']!.id) continue;
      const client = new Client();
      await new Promise<void>((resolve, reject) => { client.once('ready', () => resolve()).once('error', reject); void access.dial().then((sock) => client.connect({ sock: sock as never, username: 'postern' }), reject); });
      live = client;
    }
    expect(live).toBeDefined();

    await gateways['gw-a']!.proc.stop('SIGKILL');
    await eventually(() => gatewayHealth(server, owner, gateways['gw-a']!.id), (h) => !h.reportedHealthy, 10_000);
    const after = await createSessions(8);
    expect(new Set(after.map((s) => s.gatewayId))).toEqual(new Set([gateways['gw-b']!.id]));
    for (let i = 0; i < 3; i += 1) expect((await shell()).trim()).toBe('through-the-pool');
    const output = await new Promise<string>((resolve, reject) => live!.exec('echo still-here', (error, stream) => {
      if (error) return reject(error);
      let text = '';
      stream.on('data', (chunk: Buffer) => { text += chunk.toString(); }).on('close', () => resolve(text));
    }));
    expect(output.trim()).toBe('still-here');
    live!.end();
  }, 90_000);
});
