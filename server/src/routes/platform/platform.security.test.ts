import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { sshResourceInput } from '../../test/pam-fixtures.ts';
import { PKI_ENV, seedPkiWorld, type PkiWorld } from '../../services/pki/pki-world.test-support.ts';

/** Who may see health, report presence, set pools and check reachability; cross-org attempts look like unknown ids. */
describe('platform routes: roles and tenants', () => {
  let server: TestServer;
  let world: PkiWorld;
  let resourceId: string;

  beforeAll(async () => {
    server = await createTestServer({ env: PKI_ENV });
    world = await seedPkiWorld(server);
    resourceId = (await server.post('/api/v1/pam/resources/ssh', sshResourceInput(world), world.users.admin.token)).body.id;
  });
  afterAll(() => server?.close());

  const healthPath = (orgId: string, gatewayId: string) => `/api/v1/orgs/${orgId}/gateways/${gatewayId}/health`;

  it('health: members of the org yes, another org\'s gateway 404, no token 401', async () => {
    expect((await server.get(healthPath(world.a.org.id, world.b.gateway.id), world.users.orgAdmin.token)).status).toBe(404);
    expect((await server.get(healthPath(world.b.org.id, world.b.gateway.id), world.users.orgAdmin.token)).status).toBe(404);
    expect((await server.get(healthPath(world.a.org.id, world.a.gateway.id))).status).toBe(401);
    const res = await server.get(healthPath(world.a.org.id, world.a.gateway.id), world.users.member.token);
    expect(res.status).toBe(200);
    // No relay process listens at the fixture's address: unreachable, with which hop and why.
    expect(res.body).toMatchObject({ gatewayId: world.a.gateway.id, status: 'unreachable', relay: { id: world.relay.relayId }, latencyMs: null, reportedHealthy: false });
    expect(res.body.error).toMatch(/relay/);
  });

  it('presence: only the gateway itself, only a relay that serves its org', async () => {
    expect((await server.post('/api/v1/gateways/presence', { relayId: world.relay.relayId, connected: true }, world.users.orgAdmin.token)).status).toBe(403);
    expect((await server.post('/api/v1/gateways/presence', { relayId: '00000000-0000-4000-8000-000000000000', connected: true }, world.gatewayIdentityA.token)).status).toBe(422);
    const ok = await server.post('/api/v1/gateways/presence', { relayId: world.relay.relayId, connected: true }, world.gatewayIdentityA.token);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ gatewayId: world.a.gateway.id, relayId: world.relay.relayId, connected: true });
    const health = await server.get(healthPath(world.a.org.id, world.a.gateway.id), world.users.member.token);
    expect(health.body).toMatchObject({ reportedHealthy: true, lastSeenAt: ok.body.lastSeenAt });
    server.advanceClock(31_000);
    expect((await server.get(healthPath(world.a.org.id, world.a.gateway.id), world.users.member.token)).body.reportedHealthy).toBe(false);
  });

  it('pools: org owner/admin only; another org\'s gateway 404', async () => {
    const path = `/api/v1/orgs/${world.a.org.id}/gateways/${world.a.gateway.id}/pool`;
    expect((await server.put(path, { poolName: 'office' }, world.users.admin.token)).status).toBe(403);
    expect((await server.put(path, { poolName: 'office' }, world.users.member.token)).status).toBe(403);
    expect((await server.put(`/api/v1/orgs/${world.a.org.id}/gateways/${world.b.gateway.id}/pool`, { poolName: 'office' }, world.users.orgAdmin.token)).status).toBe(404);
    expect((await server.put(path, { poolName: 'office' }, world.users.orgAdmin.token)).body).toEqual({ gatewayId: world.a.gateway.id, poolName: 'office' });
    expect((await server.put(path, { poolName: null }, world.users.orgAdmin.token)).body).toEqual({ gatewayId: world.a.gateway.id, poolName: null });
  });

  it('reachability: project admin (and org admin) only; members 403, outsiders and other orgs 404', async () => {
    const path = `/api/v1/pam/resources/${resourceId}/check-reachability`;
    expect((await server.post(path, {}, world.users.member.token)).status).toBe(403);
    expect((await server.post(path, {}, world.users.auditor.token)).status).toBe(403);
    expect((await server.post(path, {}, world.users.outsider.token)).status).toBe(404);
    expect((await server.post(path, {}, world.gatewayIdentityB.token)).status).toBe(404);
    const res = await server.post(path, {}, world.users.admin.token);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: false, gatewayId: world.a.gateway.id, sshHostKeys: null, hostKeyChanged: false });
    expect((await server.post('/api/v1/pam/resources/00000000-0000-4000-8000-000000000000/check-reachability', {}, world.users.admin.token)).status).toBe(404);
  });
});
