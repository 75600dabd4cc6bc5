import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import type { SeededOrg } from '../../test/seed.ts';

let server: TestServer;
let home: SeededOrg;
let other: SeededOrg;
const callers: Record<string, string> = {};

beforeAll(async () => {
  server = await createTestServer();
  home = await server.seedOrg();
  other = await server.seedOrg();
  callers.owner = home.owner.token;
  callers.admin = (await server.seedUser({ orgId: home.org.id, orgRole: 'admin' })).token;
  callers.member = (await server.seedUser({ orgId: home.org.id, orgRole: 'member' })).token;
  callers.projectAdmin = (await server.seedUser({ orgId: home.org.id, projects: [{ projectId: home.project.id, role: 'admin' }] })).token;
  callers.machine = (await server.seedMachineIdentity({ orgId: home.org.id, projects: [{ projectId: home.project.id, role: 'admin' }] })).token;
  callers.otherOrgOwner = other.owner.token;
  callers.otherOrgMachine = (await server.seedMachineIdentity({ orgId: other.org.id })).token;
  callers.noOrgUser = (await server.seedUser()).token;
});
afterAll(async () => server?.close());

describe('orgs: who may do what', () => {
  describe.each([
    ['owner', 200, 200],
    ['admin', 200, 200],
    ['member', 200, 403],
    ['projectAdmin', 200, 403],
    ['machine', 403, 403],
    ['otherOrgOwner', 404, 404],
    ['otherOrgMachine', 404, 404],
    ['noOrgUser', 404, 404],
  ] as const)('%s', (caller, readStatus, renameStatus) => {
    it(`reads the org → ${readStatus}`, async () => {
      expect((await server.get(`/api/v1/orgs/${home.org.id}`, callers[caller])).status).toBe(readStatus);
    });

    it(`renames the org → ${renameStatus}, and a refusal changes nothing`, async () => {
      const before = await server.tableCounts();
      const res = await server.patch(`/api/v1/orgs/${home.org.id}`, { name: `renamed by ${caller}` }, callers[caller]);
      expect(res.status).toBe(renameStatus);
      if (renameStatus !== 200) expect(await server.tableCounts()).toEqual(before);
    });
  });

  it('a machine identity cannot create an org', async () => {
    const res = await server.post('/api/v1/orgs', { name: 'machine org' }, callers.machine);
    expect(res.status).toBe(403);
  });

  it('the org list of one org\'s owner never shows another org', async () => {
    const res = await server.get('/api/v1/orgs', callers.otherOrgOwner);
    expect(res.body.orgs.map((org: { id: string }) => org.id)).toEqual([other.org.id]);
  });

  it('a foreign org answers exactly like a missing one', async () => {
    const foreign = await server.get(`/api/v1/orgs/${other.org.id}`, callers.owner);
    const missing = await server.get('/api/v1/orgs/00000000-0000-4000-8000-000000000000', callers.owner);
    expect(foreign.body.error.message.replace(other.org.id, 'ID')).toBe(missing.body.error.message.replace('00000000-0000-4000-8000-000000000000', 'ID'));
  });
});
