import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gateways } from '../../db/schema/index.ts';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { sshResourceInput } from '../../test/pam-fixtures.ts';
import { PKI_ENV, bindGatewayIdentity, enrollManagedRelay, makeRequesterKeys, seedPkiWorld, type PkiWorld } from '../pki/pki-world.test-support.ts';

/** Sessions on a pooled resource: healthy members only, the relay each member reported, never another org's gateway. */
describe('session routing over a gateway pool', () => {
  let server: TestServer;
  let world: PkiWorld;
  let accountId: string;
  let second: { id: string; token: string };
  let secondRelay: any;
  const client = makeRequesterKeys('client');

  const report = (token: string, relayId: string, connected: boolean) => server.post('/api/v1/gateways/presence', { relayId, connected }, token);
  const pool = (orgId: string, gatewayId: string, poolName: string | null) => server.put(`/api/v1/orgs/${orgId}/gateways/${gatewayId}/pool`, { poolName }, world.users.orgAdmin.token);
  const openSessions = async (count: number) => {
    const out: Array<{ gatewayId: string; relay: { id: string } }> = [];
    for (let i = 0; i < count; i += 1) {
      const res = await server.post('/api/v1/pam/sessions', { accountId, durationSeconds: 600, csr: client.csr }, world.users.member.token);
      expect(res.status).toBe(201);
      out.push(res.body);
    }
    return out;
  };

  beforeAll(async () => {
    server = await createTestServer({ env: PKI_ENV });
    world = await seedPkiWorld(server);
    const admin = world.users.admin.token;
    const resourceId = (await server.post('/api/v1/pam/resources/ssh', sshResourceInput(world), admin)).body.id;
    accountId = (await server.post('/api/v1/pam/accounts', { resourceId, name: 'root', credential: { type: 'ssh-password', username: 'root', password: 'pw-routing-1' } }, admin)).body.id;
    // A second managed relay, enrolled later: the second gateway enrolls with it (the newest).
    secondRelay = await enrollManagedRelay(server, 'managed-2');
    const [row] = await server.db.insert(gateways).values({ orgId: world.a.org.id, name: 'gw-a2' }).returning();
    const identity = await bindGatewayIdentity(server, world.a.org.id, row!.id);
    const keys = makeRequesterKeys('gateway-2');
    expect((await server.post('/api/v1/gateways/enroll', { sshPublicKey: keys.sshPublicKey, csr: keys.csr }, identity.token)).body.relay.id).toBe(secondRelay.relayId);
    second = { id: row!.id, token: identity.token };
  });
  afterAll(() => server?.close());

  it('without a pool or presence, sessions go to the resource\'s own gateway on its enrollment relay (as before)', async () => {
    const sessions = await openSessions(3);
    expect(new Set(sessions.map((s) => s.gatewayId))).toEqual(new Set([world.a.gateway.id]));
    expect(new Set(sessions.map((s) => s.relay.id))).toEqual(new Set([world.relay.relayId]));
  });

  it('a pool spreads sessions over healthy members, each on the relay it reported', async () => {
    expect((await pool(world.a.org.id, world.a.gateway.id, 'office')).status).toBe(200);
    expect((await pool(world.a.org.id, second.id, 'office')).status).toBe(200);
    expect((await report(world.gatewayIdentityA.token, world.relay.relayId, true)).status).toBe(200);
    expect((await report(second.token, secondRelay.relayId, true)).status).toBe(200);
    const sessions = await openSessions(16);
    const relayOf = new Map(sessions.map((s) => [s.gatewayId, s.relay.id]));
    expect(relayOf).toEqual(new Map([[world.a.gateway.id, world.relay.relayId], [second.id, secondRelay.relayId]]));
  });

  it('a member that reported down, or went silent past the TTL, gets no new session', async () => {
    await report(second.token, secondRelay.relayId, false);
    expect(new Set((await openSessions(6)).map((s) => s.gatewayId))).toEqual(new Set([world.a.gateway.id]));
    await report(second.token, secondRelay.relayId, true);
    server.advanceClock(31_000);
    await report(second.token, secondRelay.relayId, true);
    expect(new Set((await openSessions(6)).map((s) => s.gatewayId))).toEqual(new Set([second.id]));
  });

  it('the same pool name in another org never lends its gateways', async () => {
    const orgB = world.b.org.id;
    const ownerB = await server.seedUser({ orgId: orgB, orgRole: 'owner' });
    expect((await server.put(`/api/v1/orgs/${orgB}/gateways/${world.b.gateway.id}/pool`, { poolName: 'office' }, ownerB.token)).status).toBe(200);
    await report(world.gatewayIdentityB.token, world.relay.relayId, true);
    const sessions = await openSessions(10);
    expect(sessions.every((s) => s.gatewayId !== world.b.gateway.id)).toBe(true);
  });
});
