import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import type { SeededOrg } from '../../test/seed.ts';

let server: TestServer;
let home: SeededOrg;
const logPath = () => `/api/v1/orgs/${home.org.id}/audit-logs`;

beforeAll(async () => {
  server = await createTestServer();
  home = await server.seedOrg();
});
afterAll(async () => server?.close());

describe('audit log: errors', () => {
  it.each([
    ['a non-uuid projectId', 'projectId=nope', 'projectId'],
    ['a non-uuid actorId', "actorId=1'%20or%20'1'='1", 'actorId'],
    ['a non-date from', 'from=yesterday', 'from'],
    ['a zero limit', 'limit=0', 'limit'],
    ['a huge limit', 'limit=100000', 'limit'],
    ['a non-numeric limit', 'limit=ten', 'limit'],
  ])('refuses %s with 400 naming the parameter', async (_label, query, field) => {
    const res = await server.get(`${logPath()}?${query}`, home.owner.token);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'validation_failed', details: { location: 'query', fields: [field] } });
  });

  it.each(['garbage', Buffer.from('seq:abc').toString('base64url'), Buffer.from("seq:1' or 1=1").toString('base64url')])('refuses a forged cursor %s with 400', async (cursor) => {
    const res = await server.get(`${logPath()}?cursor=${cursor}`, home.owner.token);
    expect(res.status).toBe(400);
    expect(res.body.error.details.fields).toEqual(['cursor']);
  });

  it('answers an unknown org with 404 and an unknown project filter with 404', async () => {
    expect((await server.get(`/api/v1/orgs/${randomUUID()}/audit-logs`, home.owner.token)).status).toBe(404);
    expect((await server.get(`${logPath()}?projectId=${randomUUID()}`, home.owner.token)).body.error.code).toBe('project_not_found');
  });

  it('accepts SQL-looking and unicode action filters as plain values', async () => {
    for (const action of ["x' or '1'='1", 'ação.*', '%']) {
      const res = await server.get(`${logPath()}?action=${encodeURIComponent(action)}`, home.owner.token);
      expect(res.status).toBe(200);
      expect(res.body.items).toEqual([]);
    }
  });
});
