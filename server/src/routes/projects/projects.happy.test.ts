import { describe, expect, it } from 'vitest';
import { useOrgServer } from '../../test/fixtures.ts';
import type { TestServer } from '../../test/harness.ts';
import type { SeededOrg } from '../../test/seed.ts';

let server: TestServer;
let home: SeededOrg;
useOrgServer((fixture) => ({ server, home } = fixture));

const projectsPath = () => `/api/v1/orgs/${home.org.id}/projects`;

describe('projects: happy paths', () => {
  it.each([
    ['an SQL-looking name', "x'); DELETE FROM projects; --"],
    ['a unicode name', 'Проект 🚀 本番'],
  ])('creates a project with %s, stored verbatim, with an 8 h session limit by default', async (_label, name) => {
    const res = await server.post(projectsPath(), { name }, home.owner.token);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name, orgId: home.org.id, description: '', maxSessionDurationSeconds: 28_800 });
    expect((await server.get(`/api/v1/projects/${res.body.id}`, home.owner.token)).body.name).toBe(name);
  });

  it('the same project name may exist in two orgs', async () => {
    const other = await server.seedOrg();
    expect((await server.post(projectsPath(), { name: 'same-name' }, home.owner.token)).status).toBe(201);
    const res = await server.post(`/api/v1/orgs/${other.org.id}/projects`, { name: 'same-name' }, other.owner.token);
    expect(res.status).toBe(201);
  });

  it('updates name, description and session limit, and audits which fields changed', async () => {
    const created = await server.post(projectsPath(), { name: 'to-update' }, home.owner.token);
    const res = await server.patch(`/api/v1/projects/${created.body.id}`, { description: 'db servers', maxSessionDurationSeconds: 3600 }, home.owner.token);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'to-update', description: 'db servers', maxSessionDurationSeconds: 3600 });
    const log = await server.get(`/api/v1/orgs/${home.org.id}/audit-logs?projectId=${created.body.id}&action=project.update`, home.owner.token);
    expect(log.body.items[0].details.fields.sort()).toEqual(['description', 'maxSessionDurationSeconds']);
  });

  it('lists all projects for org admins and only granted ones for others', async () => {
    const granted = await server.post(projectsPath(), { name: 'granted' }, home.owner.token);
    await server.post(projectsPath(), { name: 'not-granted' }, home.owner.token);
    const member = await server.seedUser({ orgId: home.org.id, projects: [{ projectId: granted.body.id, role: 'member' }] });
    const mine = await server.get(projectsPath(), member.token);
    expect(mine.body.projects.map((p: { name: string }) => p.name)).toEqual(['granted']);
    const all = await server.get(projectsPath(), home.owner.token);
    expect(all.body.projects.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['granted', 'not-granted', 'default']));
  });

  it('deletes a project; it is gone and the deletion is audited', async () => {
    const created = await server.post(projectsPath(), { name: 'doomed' }, home.owner.token);
    expect((await server.delete(`/api/v1/projects/${created.body.id}`, home.owner.token)).status).toBe(204);
    expect((await server.get(`/api/v1/projects/${created.body.id}`, home.owner.token)).status).toBe(404);
    const log = await server.get(`/api/v1/orgs/${home.org.id}/audit-logs?action=project.delete`, home.owner.token);
    expect(log.body.items[0]).toMatchObject({ projectId: created.body.id, details: { name: 'doomed' } });
  });
});
