import { describe, expect, it } from 'vitest';
import { useOrgServer } from '../../test/fixtures.ts';
import type { TestServer } from '../../test/harness.ts';
import type { SeededOrg } from '../../test/seed.ts';

let server: TestServer;
let home: SeededOrg;
useOrgServer((fixture) => ({ server, home } = fixture));

const usersPath = () => `/api/v1/orgs/${home.org.id}/users`;

describe('org users: happy paths', () => {
  it('creates a user with a password; the user can sign in; the password is never returned', async () => {
    const res = await server.post(usersPath(), { email: 'New.Person@Example.test', password: 'a-good-long-password', displayName: 'Ñandú 日本', role: 'member' }, home.owner.token);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: expect.any(String), email: 'new.person@example.test', displayName: 'Ñandú 日本', role: 'member', joinedAt: expect.any(String) });
    expect(res.text).not.toContain('a-good-long-password');
    const login = await server.post('/api/v1/auth/login', { email: 'new.person@example.test', password: 'a-good-long-password' });
    expect(login.status).toBe(200);
  });

  it('defaults the role to member and lists users by email', async () => {
    await server.post(usersPath(), { email: 'aaa@example.test', password: 'a-good-long-password' }, home.owner.token);
    const list = await server.get(usersPath(), home.owner.token);
    const emails = list.body.users.map((u: { email: string }) => u.email);
    expect(emails).toEqual([...emails].sort());
    expect(list.body.users.find((u: { email: string }) => u.email === 'aaa@example.test').role).toBe('member');
  });

  it('changes a role and removes a user from the org and its projects, auditing both', async () => {
    const user = await server.seedUser({ orgId: home.org.id, projects: [{ projectId: home.project.id, role: 'member' }] });
    const promoted = await server.patch(`${usersPath()}/${user.user.id}`, { role: 'admin' }, home.owner.token);
    expect(promoted.body.role).toBe('admin');
    expect((await server.delete(`${usersPath()}/${user.user.id}`, home.owner.token)).status).toBe(204);
    expect((await server.get(`/api/v1/projects/${home.project.id}`, user.token)).status).toBe(404);
    const me = await server.get('/api/v1/auth/me', user.token);
    expect(me.body).toMatchObject({ orgs: [], projects: [] });
    const log = await server.get(`/api/v1/orgs/${home.org.id}/audit-logs?actorId=${home.owner.user.id}&action=org.user.*`, home.owner.token);
    expect(log.body.items.slice(0, 2).map((i: { action: string }) => i.action)).toEqual(['org.user.remove', 'org.user.role_change']);
  });

  it('an owner can hand ownership over and step down', async () => {
    const second = await server.post(usersPath(), { email: 'second-owner@example.test', password: 'a-good-long-password', role: 'owner' }, home.owner.token);
    expect(second.status).toBe(201);
    const stepDown = await server.patch(`${usersPath()}/${home.owner.user.id}`, { role: 'admin' }, home.owner.token);
    expect(stepDown.status).toBe(200);
    expect(stepDown.body.role).toBe('admin');
  });
});
