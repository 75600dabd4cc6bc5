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
  const projectId = home.project.id;
  callers.owner = home.owner.token;
  callers.orgAdmin = (await server.seedUser({ orgId: home.org.id, orgRole: 'admin' })).token;
  callers.orgMember = (await server.seedUser({ orgId: home.org.id, orgRole: 'member' })).token;
  for (const role of ['admin', 'member', 'auditor'] as const) {
    callers[`project ${role}`] = (await server.seedUser({ orgId: home.org.id, projects: [{ projectId, role }] })).token;
  }
  callers.machineMember = (await server.seedMachineIdentity({ orgId: home.org.id, projects: [{ projectId, role: 'member' }] })).token;
  callers.otherOrgOwner = other.owner.token;
  callers.otherOrgMachine = (await server.seedMachineIdentity({ orgId: other.org.id, projects: [{ projectId: other.project.id, role: 'admin' }] })).token;
});
afterAll(async () => server?.close());

describe('projects: who may do what', () => {
  // caller, create in org, read, update, delete (delete runs on a throwaway project)
  describe.each([
    ['owner', 201, 200, 200, 204],
    ['orgAdmin', 201, 200, 200, 204],
    ['orgMember', 403, 404, 404, 404],
    ['project admin', 403, 200, 200, 204],
    ['project member', 403, 200, 403, 403],
    ['project auditor', 403, 200, 403, 403],
    ['machineMember', 403, 200, 403, 403],
    ['otherOrgOwner', 404, 404, 404, 404],
    ['otherOrgMachine', 404, 404, 404, 404],
  ] as const)('%s', (caller, createStatus, readStatus, updateStatus, deleteStatus) => {
    it(`create ${createStatus}, read ${readStatus}, update ${updateStatus}; refusals change nothing`, async () => {
      const token = callers[caller]!;
      let before = await server.tableCounts();
      const created = await server.post(`/api/v1/orgs/${home.org.id}/projects`, { name: `by ${caller}` }, token);
      expect(created.status).toBe(createStatus);
      if (createStatus !== 201) expect(await server.tableCounts()).toEqual(before);
      expect((await server.get(`/api/v1/projects/${home.project.id}`, token)).status).toBe(readStatus);
      before = await server.tableCounts();
      const updated = await server.patch(`/api/v1/projects/${home.project.id}`, { description: `by ${caller}` }, token);
      expect(updated.status).toBe(updateStatus);
      if (updateStatus !== 200) expect(await server.tableCounts()).toEqual(before);
    });

    it(`delete ${deleteStatus}`, async () => {
      const victim = await server.seedProject(home.org.id);
      if (caller === 'project admin' || caller === 'project member' || caller === 'project auditor' || caller === 'machineMember') {
        // Grant the same role on the throwaway project, so the check is about the role, not visibility.
        const role = caller === 'machineMember' ? 'member' : caller.split(' ')[1];
        const me = await server.get('/api/v1/auth/me', callers[caller]);
        const ref = me.body.kind === 'user' ? { userId: me.body.id } : { machineIdentityId: me.body.id };
        expect((await server.post(`/api/v1/projects/${victim.id}/members`, { ...ref, role }, home.owner.token)).status).toBe(201);
      }
      const before = await server.tableCounts();
      expect((await server.delete(`/api/v1/projects/${victim.id}`, callers[caller])).status).toBe(deleteStatus);
      if (deleteStatus !== 204) expect(await server.tableCounts()).toEqual(before);
    });
  });

  it('project lists never include another org\'s projects', async () => {
    const foreign = await server.get(`/api/v1/orgs/${other.org.id}/projects`, callers.owner);
    expect(foreign.status).toBe(404);
    const own = await server.get(`/api/v1/orgs/${home.org.id}/projects`, callers.owner);
    expect(own.body.projects.map((p: { orgId: string }) => p.orgId)).not.toContain(other.org.id);
    const machine = await server.get(`/api/v1/orgs/${home.org.id}/projects`, callers.otherOrgMachine);
    expect(machine.status).toBe(404);
  });
});
