import { describe, expect, it } from 'vitest';
import { useTenantServer, type TenantCallers } from '../../test/fixtures.ts';
import type { TestServer } from '../../test/harness.ts';
import type { SeededOrg } from '../../test/seed.ts';

let server: TestServer;
let home: SeededOrg;
let other: SeededOrg;
let callers: TenantCallers['tokens'];
let ids: TenantCallers['ids'];
useTenantServer((fixture) => ({ server, home, other, tokens: callers, ids } = fixture));

const usersPath = (orgId = home.org.id) => `/api/v1/orgs/${orgId}/users`;
let counter = 0;
const newUserBody = (role = 'member') => ({ email: `sec-${++counter}@example.test`, password: 'a-good-long-password', role });

describe('org users: who may do what', () => {
  describe.each([
    ['owner', 200, 201],
    ['org admin', 200, 201],
    ['org member', 200, 403],
    ['project admin', 200, 403],
    ['machine admin', 403, 403],
    ['other org owner', 404, 404],
    ['user in no org', 404, 404],
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
    expect((await server.post(usersPath(), newUserBody('owner'), callers['org admin'])).status).toBe(403);
    expect((await server.patch(`${usersPath()}/${ids['org admin']}`, { role: 'owner' }, callers['org admin'])).status).toBe(403);
    expect((await server.patch(`${usersPath()}/${home.owner.user.id}`, { role: 'member' }, callers['org admin'])).status).toBe(403);
    expect((await server.delete(`${usersPath()}/${home.owner.user.id}`, callers['org admin'])).status).toBe(403);
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
