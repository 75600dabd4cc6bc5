import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { describeBadInput } from '../../test/bad-input.ts';
import { useOrgServer } from '../../test/fixtures.ts';
import type { TestServer } from '../../test/harness.ts';
import type { SeededOrg } from '../../test/seed.ts';

let server: TestServer;
let home: SeededOrg;
useOrgServer((fixture) => ({ server, home } = fixture), { env: { POSTERN_MAX_BODY_BYTES: '4096' } });

const projectsPath = () => `/api/v1/orgs/${home.org.id}/projects`;

describe('projects: errors', () => {
  it('refuses a duplicate name in the org with 409 on name, on create and on rename', async () => {
    const before = await server.tableCounts();
    const dup = await server.post(projectsPath(), { name: 'default' }, home.owner.token);
    expect(dup.status).toBe(409);
    expect(dup.body.error).toMatchObject({ code: 'conflict', details: { field: 'name' } });
    expect(await server.tableCounts()).toEqual(before);
    const second = await server.post(projectsPath(), { name: 'second' }, home.owner.token);
    const rename = await server.patch(`/api/v1/projects/${second.body.id}`, { name: 'default' }, home.owner.token);
    expect(rename.status).toBe(409);
    expect((await server.get(`/api/v1/projects/${second.body.id}`, home.owner.token)).body.name).toBe('second');
  });

  it.each([
    ['too short a session limit', { name: 'p', maxSessionDurationSeconds: 10 }, 'maxSessionDurationSeconds'],
    ['a fractional session limit', { name: 'p', maxSessionDurationSeconds: 99.5 }, 'maxSessionDurationSeconds'],
    ['too long a session limit', { name: 'p', maxSessionDurationSeconds: 8 * 24 * 3600 }, 'maxSessionDurationSeconds'],
    ['too long a description', { name: 'p', description: 'd'.repeat(2001) }, 'description'],
  ])('refuses %s with 400', async (_label, body, field) => {
    const res = await server.post(projectsPath(), body, home.owner.token);
    expect(res.status).toBe(400);
    expect(res.body.error.details.fields).toEqual([field]);
  });

  it('refuses an empty change with 400', async () => {
    const res = await server.patch(`/api/v1/projects/${home.project.id}`, {}, home.owner.token);
    expect(res.status).toBe(400);
  });

  it('answers unknown project ids with 404 and non-uuid ids with 400', async () => {
    for (const [method, body] of [['GET', undefined], ['PATCH', { name: 'x' }], ['DELETE', undefined]] as const) {
      const res = await server.request(method, `/api/v1/projects/${randomUUID()}`, { token: home.owner.token, ...(body ? { json: body } : {}) });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('project_not_found');
    }
    expect((await server.get('/api/v1/projects/not-a-uuid', home.owner.token)).status).toBe(400);
  });
});

describeBadInput('POST /orgs/{orgId}/projects', {
  server: () => server, method: 'POST', path: projectsPath, token: () => home.owner.token,
  validBody: { name: 'Valid', description: 'ok', maxSessionDurationSeconds: 3600 }, required: ['name'], nameFields: ['name'],
});
describeBadInput('PATCH /projects/{projectId}', {
  server: () => server, method: 'PATCH', path: () => `/api/v1/projects/${home.project.id}`, token: () => home.owner.token,
  validBody: { name: 'Valid', description: 'ok', maxSessionDurationSeconds: 3600 }, required: [], nameFields: ['name'],
});
