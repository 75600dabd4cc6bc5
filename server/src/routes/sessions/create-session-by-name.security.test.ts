import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { sshResourceInput } from '../../test/pam-fixtures.ts';
import { PKI_ENV, makeRequesterKeys, seedPkiWorld, type PkiWorld } from '../../services/pki/pki-world.test-support.ts';

describe('sessions by name: roles and tenants', () => {
  let server: TestServer;
  let world: PkiWorld;
  const a = { resource: '', resourceId: '', accountId: '' };
  const b = { resource: '', resourceId: '', accountId: '' };
  const client = makeRequesterKeys('client');

  beforeAll(async () => {
    server = await createTestServer({ env: PKI_ENV });
    world = await seedPkiWorld(server);
    const resourceA = (await server.post('/api/v1/pam/resources/ssh', sshResourceInput(world), world.users.admin.token)).body;
    Object.assign(a, { resource: resourceA.name, resourceId: resourceA.id });
    a.accountId = (await server.post('/api/v1/pam/accounts', { resourceId: resourceA.id, name: 'ops', credential: { type: 'ssh-certificate', username: 'root' } }, world.users.admin.token)).body.id;
    const resourceB = (await server.post('/api/v1/pam/resources/ssh', { ...sshResourceInput(world), projectId: world.b.project.id, gatewayId: world.b.gateway.id }, world.b.owner.token)).body;
    Object.assign(b, { resource: resourceB.name, resourceId: resourceB.id });
    b.accountId = (await server.post('/api/v1/pam/accounts', { resourceId: resourceB.id, name: 'ops', credential: { type: 'ssh-certificate', username: 'root' } }, world.b.owner.token)).body.id;
  });
  afterAll(() => server?.close());

  const open = (names: { projectId: string; resourceName: string; accountName: string }, token: string) =>
    server.post('/api/v1/pam/sessions', { ...names, durationSeconds: 300, csr: client.csr }, token);
  const inA = () => ({ projectId: world.a.project.id, resourceName: a.resource, accountName: 'ops' });

  const roles: Array<['admin' | 'member' | 'orgAdmin' | 'auditor' | 'outsider', number]> = [
    ['admin', 201], ['member', 201], ['orgAdmin', 201], ['auditor', 403], ['outsider', 404],
  ];
  it.each(roles)('project %s → %i (as with the id form)', async (who, status) => {
    const before = await server.tableCounts();
    const res = await open(inA(), world.users[who].token);
    expect(res.status).toBe(status);
    if (status !== 201) expect(await server.tableCounts()).toEqual(before);
  });

  it('a machine identity cannot open a session by name, even with a project role', async () => {
    const machine = await server.seedMachineIdentity({ orgId: world.a.org.id, projects: [{ projectId: world.a.project.id, role: 'member' }] });
    expect((await open(inA(), machine.token)).status).toBe(403);
  });

  describe.each([
    ["org B's owner names org A's project, resource and account", () => ({ names: inA(), token: world.b.owner.token })],
    ["org A's project admin names org B's project", () => ({ names: { projectId: world.b.project.id, resourceName: b.resource, accountName: 'ops' }, token: world.users.admin.token })],
    ["org A's project admin names org B's resource in its own project", () => ({ names: { projectId: world.a.project.id, resourceName: b.resource, accountName: 'ops' }, token: world.users.admin.token })],
    ["org A's project admin gives org B's resource and account ids in its own project", () => ({ names: { projectId: world.a.project.id, resourceName: b.resourceId, accountName: b.accountId }, token: world.users.admin.token })],
    ["org A's project admin names org A's resource with org B's account id", () => ({ names: { projectId: world.a.project.id, resourceName: a.resource, accountName: b.accountId }, token: world.users.admin.token })],
  ])('cross-tenant: %s', (_label, attempt) => {
    it('gets 404 and no certificate, and nothing is written', async () => {
      const { names, token } = attempt();
      const before = await server.tableCounts();
      const res = await open(names, token);
      expect(res.status).toBe(404);
      expect(res.text).not.toContain('BEGIN CERTIFICATE');
      // Nothing about org B the caller did not type itself.
      for (const secret of [world.b.org.id, world.b.gateway.id, b.resource === names.resourceName ? '' : b.resource].filter(Boolean)) expect(res.text).not.toContain(secret);
      expect(await server.tableCounts()).toEqual(before);
    });
  });

  it("a cross-tenant 404 for a project looks the same as one for a project that does not exist", async () => {
    const foreign = await open({ projectId: world.b.project.id, resourceName: b.resource, accountName: 'ops' }, world.users.admin.token);
    const missing = await open({ projectId: '00000000-0000-4000-8000-000000000000', resourceName: b.resource, accountName: 'ops' }, world.users.admin.token);
    expect(foreign.body.error.code).toBe(missing.body.error.code);
    expect(foreign.body.error.message.replace(world.b.project.id, 'ID')).toBe(missing.body.error.message.replace('00000000-0000-4000-8000-000000000000', 'ID'));
  });
});
