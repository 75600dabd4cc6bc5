import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { describeBadInput } from '../../test/bad-input.ts';
import { useOrgServer } from '../../test/fixtures.ts';
import type { TestServer } from '../../test/harness.ts';
import type { SeededOrg } from '../../test/seed.ts';

let server: TestServer;
let home: SeededOrg;
useOrgServer((fixture) => ({ server, home } = fixture), { env: { POSTERN_MAX_BODY_BYTES: '4096' } });

const path = () => `/api/v1/orgs/${home.org.id}/machine-identities`;

describe('machine identities: errors', () => {
  it('refuses a duplicate name in the org with 409 on name', async () => {
    await server.post(path(), { name: 'dup' }, home.owner.token);
    const before = await server.tableCounts();
    const res = await server.post(path(), { name: 'dup' }, home.owner.token);
    expect(res.status).toBe(409);
    expect(res.body.error.details).toEqual({ field: 'name' });
    expect(await server.tableCounts()).toEqual(before);
  });

  it('answers unknown ids with 404 on every item route, changing nothing', async () => {
    const before = await server.tableCounts();
    const id = randomUUID();
    expect((await server.get(`${path()}/${id}`, home.owner.token)).body.error.code).toBe('machine_identity_not_found');
    expect((await server.patch(`${path()}/${id}`, { name: 'x' }, home.owner.token)).status).toBe(404);
    expect((await server.post(`${path()}/${id}/rotate-secret`, {}, home.owner.token)).status).toBe(404);
    expect((await server.delete(`${path()}/${id}`, home.owner.token)).status).toBe(404);
    expect((await server.get(`${path()}/not-a-uuid`, home.owner.token)).status).toBe(400);
    expect(await server.tableCounts()).toEqual(before);
  });
});

describeBadInput('POST /orgs/{orgId}/machine-identities', {
  server: () => server, method: 'POST', path, token: () => home.owner.token,
  validBody: { name: 'valid' }, required: ['name'], nameFields: ['name'],
});
describeBadInput('PATCH /orgs/{orgId}/machine-identities/{identityId}', {
  server: () => server, method: 'PATCH', path: () => `${path()}/${randomUUID()}`, token: () => home.owner.token,
  validBody: { name: 'valid' }, required: ['name'], nameFields: ['name'],
});
