import { describe, expect, it } from 'vitest';
import { useTenantServer, type TenantCallers } from '../../test/fixtures.ts';
import type { TestServer } from '../../test/harness.ts';
import type { SeededOrg } from '../../test/seed.ts';

let server: TestServer;
let home: SeededOrg;
let other: SeededOrg;
let callers: TenantCallers['tokens'];
useTenantServer((fixture) => ({ server, home, other, tokens: callers } = fixture));

const membersPath = (projectId = home.project.id) => `/api/v1/projects/${projectId}/members`;

describe('project members: who may do what', () => {
  describe.each([
    ['owner', 200, 201],
    ['org admin', 200, 201],
    ['project admin', 200, 201],
    ['machine admin', 200, 201],
    ['project auditor', 200, 403],
    ['machine auditor', 200, 403],
    ['project member', 403, 403],
    ['machine member', 403, 403],
    ['org member', 404, 404],
    ['machine without project', 404, 404],
    ['other org owner', 404, 404],
    ['other org machine', 404, 404],
  ] as const)('%s', (caller, listStatus, addStatus) => {
    it(`lists ${listStatus}, adds ${addStatus}; refusals change nothing`, async () => {
      expect((await server.get(membersPath(), callers[caller])).status).toBe(listStatus);
      const candidate = await server.seedUser({ orgId: home.org.id });
      const before = await server.tableCounts();
      const res = await server.post(membersPath(), { userId: candidate.user.id, role: 'member' }, callers[caller]);
      expect(res.status).toBe(addStatus);
      if (addStatus !== 201) expect(await server.tableCounts()).toEqual(before);
    });
  });

  it('a user or machine identity of another org cannot be added (404, as if it did not exist)', async () => {
    const foreignMachine = await server.seedMachineIdentity({ orgId: other.org.id });
    const before = await server.tableCounts();
    const user = await server.post(membersPath(), { userId: other.owner.user.id, role: 'admin' }, home.owner.token);
    const machine = await server.post(membersPath(), { machineIdentityId: foreignMachine.identity.id, role: 'admin' }, home.owner.token);
    expect([user.status, machine.status]).toEqual([404, 404]);
    expect(await server.tableCounts()).toEqual(before);
  });

  it('a membership id of another project cannot be changed through this project', async () => {
    const otherProject = await server.seedProject(home.org.id);
    const candidate = await server.seedUser({ orgId: home.org.id });
    const added = await server.post(membersPath(otherProject.id), { userId: candidate.user.id, role: 'member' }, home.owner.token);
    const projectAdmin = callers['project admin'];
    expect((await server.patch(`${membersPath()}/${added.body.id}`, { role: 'admin' }, projectAdmin)).status).toBe(404);
    expect((await server.delete(`${membersPath()}/${added.body.id}`, projectAdmin)).status).toBe(404);
  });
});
