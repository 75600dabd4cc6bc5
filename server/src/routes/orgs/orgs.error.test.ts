import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { describeBadInput } from '../../test/bad-input.ts';
import { useOrgServer } from '../../test/fixtures.ts';
import type { TestServer } from '../../test/harness.ts';
import type { SeededOrg } from '../../test/seed.ts';

let server: TestServer;
let home: SeededOrg;
useOrgServer((fixture) => ({ server, home } = fixture), { env: { POSTERN_MAX_BODY_BYTES: '4096' } });

describe('orgs: errors', () => {
  it('answers an unknown org id with 404 and a non-uuid id with 400', async () => {
    const unknown = await server.get(`/api/v1/orgs/${randomUUID()}`, home.owner.token);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('org_not_found');
    const garbage = await server.get("/api/v1/orgs/1'%20or%201=1", home.owner.token);
    expect(garbage.status).toBe(400);
    expect(garbage.body.error.details.fields).toEqual(['orgId']);
  });

  it('renaming an unknown org changes nothing', async () => {
    const before = await server.tableCounts();
    const res = await server.patch(`/api/v1/orgs/${randomUUID()}`, { name: 'x' }, home.owner.token);
    expect(res.status).toBe(404);
    expect(await server.tableCounts()).toEqual(before);
  });
});

describeBadInput('POST /orgs', {
  server: () => server, method: 'POST', path: () => '/api/v1/orgs', token: () => home.owner.token,
  validBody: { name: 'An Org' }, required: ['name'], nameFields: ['name'],
});
describeBadInput('PATCH /orgs/{orgId}', {
  server: () => server, method: 'PATCH', path: () => `/api/v1/orgs/${home.org.id}`, token: () => home.owner.token,
  validBody: { name: 'An Org' }, required: ['name'], nameFields: ['name'],
});
