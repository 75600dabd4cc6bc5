import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeBadInput } from '../../test/bad-input.ts';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import type { SeededOrg, SeededUser } from '../../test/seed.ts';

let server: TestServer;
let home: SeededOrg;
let user: SeededUser;

beforeAll(async () => {
  server = await createTestServer({ env: { POSTERN_MAX_BODY_BYTES: '4096' } });
  home = await server.seedOrg();
  user = await server.seedUser({ orgId: home.org.id, projects: [{ projectId: home.project.id, role: 'member' }] });
});
afterAll(async () => server?.close());

const membersPath = () => `/api/v1/projects/${home.project.id}/members`;

describe('project members: errors', () => {
  it('refuses adding the same user twice with 409 on userId', async () => {
    const before = await server.tableCounts();
    const res = await server.post(membersPath(), { userId: user.user.id, role: 'admin' }, home.owner.token);
    expect(res.status).toBe(409);
    expect(res.body.error.details).toEqual({ field: 'userId' });
    expect(await server.tableCounts()).toEqual(before);
  });

  it.each([
    ['both userId and machineIdentityId', () => ({ userId: user.user.id, machineIdentityId: randomUUID(), role: 'member' })],
    ['neither userId nor machineIdentityId', () => ({ role: 'member' })],
    ['an unknown role', () => ({ userId: user.user.id, role: 'root' })],
  ])('refuses %s with 400', async (_label, body) => {
    const before = await server.tableCounts();
    const res = await server.post(membersPath(), body(), home.owner.token);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(await server.tableCounts()).toEqual(before);
  });

  it('answers unknown users, machine identities and memberships with 404', async () => {
    const before = await server.tableCounts();
    expect((await server.post(membersPath(), { userId: randomUUID(), role: 'member' }, home.owner.token)).body.error.code).toBe('user_not_found');
    expect((await server.post(membersPath(), { machineIdentityId: randomUUID(), role: 'member' }, home.owner.token)).body.error.code).toBe('machine_identity_not_found');
    expect((await server.patch(`${membersPath()}/${randomUUID()}`, { role: 'admin' }, home.owner.token)).body.error.code).toBe('project_member_not_found');
    expect((await server.delete(`${membersPath()}/${randomUUID()}`, home.owner.token)).status).toBe(404);
    expect(await server.tableCounts()).toEqual(before);
  });
});

describeBadInput('POST /projects/{projectId}/members', {
  server: () => server, method: 'POST', path: membersPath, token: () => home.owner.token,
  validBody: { userId: randomUUID(), role: 'member' }, required: ['role'],
});
describeBadInput('PATCH /projects/{projectId}/members/{membershipId}', {
  server: () => server, method: 'PATCH', path: () => `${membersPath()}/${randomUUID()}`, token: () => home.owner.token,
  validBody: { role: 'member' }, required: ['role'],
});
