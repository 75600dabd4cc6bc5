import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import type { SeededOrg, SeededUser } from '../../test/seed.ts';

let server: TestServer;
let home: SeededOrg;
let other: SeededOrg;
let admin: SeededUser;
const callers: Record<string, string> = {};

beforeAll(async () => {
  server = await createTestServer();
  home = await server.seedOrg();
  other = await server.seedOrg();
  admin = await server.seedUser({ orgId: home.org.id, orgRole: 'admin' });
  callers.owner = home.owner.token;
  callers.admin = admin.token;
  callers.member = (await server.seedUser({ orgId: home.org.id, orgRole: 'member' })).token;
  callers.projectAdmin = (await server.seedUser({ orgId: home.org.id, projects: [{ projectId: home.project.id, role: 'admin' }] })).token;
  callers.machine = (await server.seedMachineIdentity({ orgId: home.org.id })).token;
  callers.otherOrgOwner = other.owner.token;
});
afterAll(async () => server?.close());

const usersPath = (orgId = home.org.id) => `/api/v1/orgs/${orgId}/users`;
let counter = 0;
const newUserBody = (role = 'member') => ({ email: `sec-${++counter}@example.test`, password: 'a-good-long-password', role });

describe('org users: who may do what', () => {
  describe.each([
    ['owner', 200, 201],
    ['admin', 200, 201],
    ['member', 200, 403],
    ['projectAdmin', 200, 403],
    ['machine', 403, 403],
    ['otherOrgOwner', 404, 404],
  ] as const)('%s', (caller, listStatus, createStatus) => {
    it(`lists users → ${listStatus}`, async () => {
      expect((await server.get(usersPath(), callers[caller])).status).toBe(listStatus);
    });

    it(`creates a user → ${createStatus}; a refusal changes nothing`, async () => {
      const before = await server.tableCounts();
      const res = await server.post(usersPath(), newUserBody(), callers[caller]);
      expect(res.status).toBe(createStatus);
      if (createStatus !== 201) expect(await server.tableCounts()).toEqual(before);
    });
  });

  it('an admin cannot create an owner, promote to owner, or touch an owner', async () => {
    const before = await server.tableCounts();
    expect((await server.post(usersPath(), newUserBody('owner'), admin.token)).status).toBe(403);
    expect((await server.patch(`${usersPath()}/${admin.user.id}`, { role: 'owner' }, admin.token)).status).toBe(403);
    expect((await server.patch(`${usersPath()}/${home.owner.user.id}`, { role: 'member' }, admin.token)).status).toBe(403);
    expect((await server.delete(`${usersPath()}/${home.owner.user.id}`, admin.token)).status).toBe(403);
    expect(await server.tableCounts()).toEqual(before);
  });

  it('one org cannot see, change or remove another org\'s users', async () => {
    const before = await server.tableCounts();
    expect((await server.patch(`${usersPath()}/${other.owner.user.id}`, { role: 'member' }, home.owner.token)).status).toBe(404);
    expect((await server.delete(`${usersPath()}/${other.owner.user.id}`, home.owner.token)).status).toBe(404);
    expect((await server.delete(`${usersPath(other.org.id)}/${other.owner.user.id}`, home.owner.token)).status).toBe(404);
    const list = await server.get(usersPath(), home.owner.token);
    expect(list.body.users.map((u: { id: string }) => u.id)).not.toContain(other.owner.user.id);
    expect(await server.tableCounts()).toEqual(before);
  });
});
