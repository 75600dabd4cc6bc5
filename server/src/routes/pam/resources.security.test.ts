import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { seedPamWorld, sshResourceInput, type PamWorld } from '../../test/pam-fixtures.ts';

describe('resources: who may do what', () => {
  let server: TestServer;
  let world: PamWorld;
  let resourceId: string;
  let machineMember: string;
  beforeAll(async () => {
    server = await createTestServer();
    world = await seedPamWorld(server);
    resourceId = (await server.post('/api/v1/pam/resources/ssh', sshResourceInput(world, { name: 'guarded' }), world.users.admin.token)).body.id;
    machineMember = (await server.seedMachineIdentity({ orgId: world.a.org.id, projects: [{ projectId: world.a.project.id, role: 'member' }] })).token;
  });
  afterAll(() => server?.close());

  type Who = 'admin' | 'orgAdmin' | 'owner' | 'member' | 'auditor' | 'machine member' | 'outsider' | 'other org owner';
  const token = (who: Who) => {
    if (who === 'owner') return world.a.owner.token;
    if (who === 'other org owner') return world.b.owner.token;
    if (who === 'machine member') return machineMember;
    return world.users[who].token;
  };

  // [who, read status, write status]
  const matrix: Array<[Who, number, number]> = [
    ['admin', 200, 2],
    ['orgAdmin', 200, 2],
    ['owner', 200, 2],
    ['member', 200, 403],
    ['auditor', 200, 403],
    ['machine member', 200, 403],
    ['outsider', 404, 404],
    ['other org owner', 404, 404],
  ];

  describe.each(matrix)('%s', (who, read, write) => {
    it(`reads with ${read}`, async () => {
      expect((await server.get(`/api/v1/pam/resources/ssh/${resourceId}`, token(who))).status).toBe(read);
      expect((await server.get(`/api/v1/pam/resources?projectId=${world.a.project.id}`, token(who))).status).toBe(read);
    });

    it(write === 2 ? 'creates, changes and deletes' : `is refused writes with ${write}`, async () => {
      const before = await server.tableCounts();
      const created = await server.post('/api/v1/pam/resources/ssh', sshResourceInput(world), token(who));
      const changed = await server.patch(`/api/v1/pam/resources/ssh/${resourceId}`, { description: who }, token(who));
      if (write === 2) {
        expect([created.status, changed.status]).toEqual([201, 200]);
        expect((await server.delete(`/api/v1/pam/resources/ssh/${created.body.id}`, token(who))).status).toBe(204);
        return;
      }
      expect(created.status).toBe(write);
      expect(changed.status).toBe(write);
      expect((await server.delete(`/api/v1/pam/resources/ssh/${resourceId}`, token(who))).status).toBe(write);
      if (write === 404) expect(changed.body.error.code).toMatch(/^(resource|project)_not_found$/);
      expect(await server.tableCounts()).toEqual(before);
    });
  });

  it('answers 401 without a token and with a forged one', async () => {
    expect((await server.get(`/api/v1/pam/resources/ssh/${resourceId}`)).status).toBe(401);
    expect((await server.get(`/api/v1/pam/resources/ssh/${resourceId}`, 'pst_at_forged')).status).toBe(401);
  });

  it("never lets one org's resource reference the other's gateway, even for the other org's owner", async () => {
    const attempt = await server.post('/api/v1/pam/resources/ssh', sshResourceInput(world, { projectId: world.b.project.id }), world.b.owner.token);
    expect(attempt.status).toBe(422);
    expect(attempt.body.error.code).toBe('gateway_not_found');
  });
});
