import { describe, expect, it } from 'vitest';
import { useOrgServer } from '../../test/fixtures.ts';
import type { TestServer } from '../../test/harness.ts';
import type { SeededOrg } from '../../test/seed.ts';

let server: TestServer;
let home: SeededOrg;
useOrgServer((fixture) => ({ server, home } = fixture));

const membersPath = () => `/api/v1/projects/${home.project.id}/members`;

describe('project members: happy paths', () => {
  it('adds a user and a machine identity of the org, lists them, changes a role, removes one', async () => {
    const user = await server.seedUser({ orgId: home.org.id, email: 'member-one@example.test' });
    const machine = await server.seedMachineIdentity({ orgId: home.org.id, name: 'gw-east' });
    const addedUser = await server.post(membersPath(), { userId: user.user.id, role: 'member' }, home.owner.token);
    expect(addedUser.status).toBe(201);
    expect(addedUser.body).toMatchObject({ role: 'member', member: { kind: 'user', id: user.user.id, email: 'member-one@example.test' } });
    const addedMachine = await server.post(membersPath(), { machineIdentityId: machine.identity.id, role: 'admin' }, home.owner.token);
    expect(addedMachine.body).toMatchObject({ role: 'admin', member: { kind: 'machine', id: machine.identity.id, name: 'gw-east' } });

    // The new member can now see the project.
    expect((await server.get(`/api/v1/projects/${home.project.id}`, user.token)).status).toBe(200);

    const list = await server.get(membersPath(), home.owner.token);
    expect(list.body.members.map((m: { id: string }) => m.id)).toEqual([addedUser.body.id, addedMachine.body.id]);

    const changed = await server.patch(`${membersPath()}/${addedUser.body.id}`, { role: 'auditor' }, home.owner.token);
    expect(changed.body.role).toBe('auditor');
    expect((await server.delete(`${membersPath()}/${addedUser.body.id}`, home.owner.token)).status).toBe(204);
    expect((await server.get(`/api/v1/projects/${home.project.id}`, user.token)).status).toBe(404);

    const log = await server.get(`/api/v1/orgs/${home.org.id}/audit-logs?projectId=${home.project.id}&action=project.member.*`, home.owner.token);
    expect(log.body.items.map((i: { action: string }) => i.action)).toEqual(['project.member.remove', 'project.member.role_change', 'project.member.add', 'project.member.add']);
  });

  it('a project admin (not an org admin) manages members of its project', async () => {
    const projectAdmin = await server.seedUser({ orgId: home.org.id, projects: [{ projectId: home.project.id, role: 'admin' }] });
    const user = await server.seedUser({ orgId: home.org.id });
    const res = await server.post(membersPath(), { userId: user.user.id, role: 'member' }, projectAdmin.token);
    expect(res.status).toBe(201);
  });
});
