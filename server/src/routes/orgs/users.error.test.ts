import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { describeBadInput } from '../../test/bad-input.ts';
import { useOrgServer } from '../../test/fixtures.ts';
import type { TestServer } from '../../test/harness.ts';
import type { SeededOrg } from '../../test/seed.ts';

let server: TestServer;
let home: SeededOrg;
useOrgServer((fixture) => ({ server, home } = fixture), { env: { POSTERN_MAX_BODY_BYTES: '4096' } });

const usersPath = () => `/api/v1/orgs/${home.org.id}/users`;

describe('org users: errors', () => {
  it('refuses a second user with the same email (any case) with 409 on email, changing nothing', async () => {
    const before = await server.tableCounts();
    const res = await server.post(usersPath(), { email: home.owner.email.toUpperCase(), password: 'a-good-long-password' }, home.owner.token);
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'conflict', details: { field: 'email' } });
    expect(await server.tableCounts()).toEqual(before);
  });

  it.each([
    ['a short password', { email: 'x@example.test', password: 'short' }, 'password'],
    ['an invalid email', { email: 'not-an-email', password: 'a-good-long-password' }, 'email'],
    ['an SQL-looking email', { email: "x'; drop table users;--@example.test", password: 'a-good-long-password' }, 'email'],
    ['an unknown role', { email: 'x@example.test', password: 'a-good-long-password', role: 'superuser' }, 'role'],
  ])('refuses %s with 400 naming the field', async (_label, body, field) => {
    const before = await server.tableCounts();
    const res = await server.post(usersPath(), body, home.owner.token);
    expect(res.status).toBe(400);
    expect(res.body.error.details.fields).toEqual([field]);
    expect(await server.tableCounts()).toEqual(before);
  });

  it('answers unknown user ids with 404 on change and remove', async () => {
    expect((await server.patch(`${usersPath()}/${randomUUID()}`, { role: 'admin' }, home.owner.token)).body.error.code).toBe('user_not_found');
    expect((await server.delete(`${usersPath()}/${randomUUID()}`, home.owner.token)).status).toBe(404);
  });

  it('refuses to demote or remove the last owner with 422 last_owner', async () => {
    const demote = await server.patch(`${usersPath()}/${home.owner.user.id}`, { role: 'member' }, home.owner.token);
    expect(demote.status).toBe(422);
    expect(demote.body.error.code).toBe('last_owner');
    const remove = await server.delete(`${usersPath()}/${home.owner.user.id}`, home.owner.token);
    expect(remove.status).toBe(422);
  });
});

describeBadInput('POST /orgs/{orgId}/users', {
  server: () => server, method: 'POST', path: usersPath, token: () => home.owner.token,
  validBody: { email: 'valid@example.test', password: 'a-good-long-password', displayName: 'Valid', role: 'member' },
  required: ['email', 'password'], nameFields: ['displayName'],
});
describeBadInput('PATCH /orgs/{orgId}/users/{userId}', {
  server: () => server, method: 'PATCH', path: () => `${usersPath()}/${home.owner.user.id}`, token: () => home.owner.token,
  validBody: { role: 'admin' }, required: ['role'],
});
