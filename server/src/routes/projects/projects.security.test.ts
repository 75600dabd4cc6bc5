import { describe, expect, it } from 'vitest';
import { useTenantServer, type TenantCallers } from '../../test/fixtures.ts';
import type { TestServer } from '../../test/harness.ts';
import type { SeededOrg } from '../../test/seed.ts';

let server: TestServer;
let home: SeededOrg;
let other: SeededOrg;
let callers: TenantCallers['tokens'];
useTenantServer((fixture) => ({ server, home, other, tokens: callers } = fixture));

describe('projects: who may do what', () => {
  // caller, create in org, read, update, delete (delete runs on a throwaway project)
  describe.each([
    ['owner', 201, 200, 200, 204],
    ['org admin', 201, 200, 200, 204],
    ['org member', 403, 404, 404, 404],
    ['project admin', 403, 200, 200, 204],
    ['project member', 403, 200, 403, 403],
    ['project auditor', 403, 200, 403, 403],
    ['machine admin', 403, 200, 200, 204],
    ['machine member', 403, 200, 403, 403],
    ['machine without project', 403, 404, 404, 404],
    ['other org owner', 404, 404, 404, 404],
    ['other org machine', 404, 404, 404, 404],
  ] as const)('%s', (caller, createStatus, readStatus, updateStatus, deleteStatus) => {
    it(`create ${createStatus}, read ${readStatus}, update ${updateStatus}; refusals change nothing`, async () => {
      const token = callers[caller];
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
      const [kind, role] = caller.split(' ');
      if ((kind === 'project' || kind === 'machine') && (role === 'admin' || role === 'member' || role === 'auditor')) {
        // Grant the same role on the throwaway project, so the check is about the role, not visibility.
        const me = await server.get('/api/v1/auth/me', callers[caller]);
        const ref = kind === 'project' ? { userId: me.body.id } : { machineIdentityId: me.body.id };
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
    const machine = await server.get(`/api/v1/orgs/${home.org.id}/projects`, callers['other org machine']);
    expect(machine.status).toBe(404);
  });
});
