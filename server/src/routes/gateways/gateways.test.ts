import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { seedPamWorld, sshResourceInput, type PamWorld } from '../../test/pam-fixtures.ts';

const UNKNOWN = '00000000-0000-4000-8000-000000000000';

describe('gateways', () => {
  let server: TestServer;
  let world: PamWorld;
  const path = () => `/api/v1/orgs/${world.a.org.id}/gateways`;
  beforeAll(async () => {
    server = await createTestServer();
    world = await seedPamWorld(server);
  });
  afterAll(() => server?.close());

  it('lets org admins register, rename, bind and delete a gateway', async () => {
    const identity = await server.seedMachineIdentity({ orgId: world.a.org.id });
    const created = await server.post(path(), { name: 'dc-east', machineIdentityId: identity.identity.id }, world.users.orgAdmin.token);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'dc-east', orgId: world.a.org.id, machineIdentityId: identity.identity.id });
    const renamed = await server.patch(`${path()}/${created.body.id}`, { name: 'dc-east-1' }, world.a.owner.token);
    expect(renamed.body).toMatchObject({ name: 'dc-east-1', machineIdentityId: identity.identity.id });
    expect((await server.delete(`${path()}/${created.body.id}`, world.a.owner.token)).status).toBe(204);
    expect((await server.get(`${path()}/${created.body.id}`, world.a.owner.token)).status).toBe(404);
  });

  it('shows the gateway list to every org member, so project admins can pick one', async () => {
    const list = await server.get(path(), world.users.admin.token);
    expect(list.status).toBe(200);
    expect(list.body.gateways.map((g: { name: string }) => g.name)).toContain('gw-a');
    expect(list.body.gateways.map((g: { name: string }) => g.name)).not.toContain('gw-b');
  });

  it('refuses org members who are not admins, and hides the org from other orgs', async () => {
    const before = await server.tableCounts();
    expect((await server.post(path(), { name: 'x' }, world.users.admin.token)).status).toBe(403);
    expect((await server.delete(`${path()}/${world.a.gateway.id}`, world.users.member.token)).status).toBe(403);
    expect((await server.get(path(), world.b.owner.token)).status).toBe(404);
    expect((await server.get(`/api/v1/orgs/${world.b.org.id}/gateways/${world.a.gateway.id}`, world.b.owner.token)).status).toBe(404);
    expect((await server.delete(`/api/v1/orgs/${world.b.org.id}/gateways/${world.a.gateway.id}`, world.b.owner.token)).status).toBe(404);
    expect(await server.tableCounts()).toEqual(before);
  });

  it('refuses a gateway still serving resources, a duplicate name and a foreign machine identity', async () => {
    await server.post('/api/v1/pam/resources/ssh', sshResourceInput(world), world.users.admin.token);
    const otherIdentity = await server.seedMachineIdentity({ orgId: world.b.org.id });
    const before = await server.tableCounts();
    const inUse = await server.delete(`${path()}/${world.a.gateway.id}`, world.a.owner.token);
    expect([inUse.status, inUse.body.error.code]).toEqual([409, 'conflict']);
    expect(inUse.body.error.message).toMatch(/still serves 1 resource/);
    const duplicate = await server.post(path(), { name: 'gw-a' }, world.a.owner.token);
    expect([duplicate.status, duplicate.body.error.code]).toEqual([409, 'conflict']);
    const foreign = await server.post(path(), { name: 'n', machineIdentityId: otherIdentity.identity.id }, world.a.owner.token);
    expect([foreign.status, foreign.body.error.code]).toEqual([422, 'machine_identity_not_found']);
    const unknown = await server.patch(`${path()}/${UNKNOWN}`, { name: 'n' }, world.a.owner.token);
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'gateway_not_found']);
    const malformed = await server.request('POST', path(), { rawBody: 'name=x', token: world.a.owner.token });
    expect([malformed.status, malformed.body.error.code]).toEqual([400, 'malformed_request']);
    expect(await server.tableCounts()).toEqual(before);
  });
});
