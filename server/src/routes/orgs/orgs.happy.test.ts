import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import type { SeededOrg } from '../../test/seed.ts';

let server: TestServer;
let home: SeededOrg;

beforeAll(async () => {
  server = await createTestServer();
  home = await server.seedOrg({ name: 'Home' });
});
afterAll(async () => server?.close());

describe('orgs: happy paths', () => {
  it.each([
    ['an SQL-looking name', "Robert'); DROP TABLE orgs;--"],
    ['a unicode name', 'Организация 🚀 東京'],
  ])('creates an org with %s, stored verbatim, and makes the caller its owner', async (_label, name) => {
    const res = await server.post('/api/v1/orgs', { name }, home.owner.token);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name, role: 'owner' });
    const fetched = await server.get(`/api/v1/orgs/${res.body.id}`, home.owner.token);
    expect(fetched.body.name).toBe(name);
    const log = await server.get(`/api/v1/orgs/${res.body.id}/audit-logs`, home.owner.token);
    expect(log.body.items[0]).toMatchObject({ action: 'org.create', actor: { type: 'user', id: home.owner.user.id }, target: { type: 'org', id: res.body.id } });
  });

  it('trims surrounding whitespace from names', async () => {
    const res = await server.post('/api/v1/orgs', { name: '  Spaced  ' }, home.owner.token);
    expect(res.body.name).toBe('Spaced');
  });

  it('lists the caller\'s orgs with its role in each, by name', async () => {
    const member = await server.seedUser({ orgId: home.org.id, orgRole: 'member' });
    const res = await server.get('/api/v1/orgs', member.token);
    expect(res.status).toBe(200);
    expect(res.body.orgs).toEqual([expect.objectContaining({ id: home.org.id, name: 'Home', role: 'member' })]);
  });

  it('renames an org (admin) and audits the change', async () => {
    const admin = await server.seedUser({ orgId: home.org.id, orgRole: 'admin' });
    const res = await server.patch(`/api/v1/orgs/${home.org.id}`, { name: 'Home Renamed' }, admin.token);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'Home Renamed', role: 'admin' });
    const log = await server.get(`/api/v1/orgs/${home.org.id}/audit-logs?action=org.update`, admin.token);
    expect(log.body.items[0].details).toEqual({ from: 'Home', to: 'Home Renamed' });
  });

  it('lets a machine identity see its own org', async () => {
    const machine = await server.seedMachineIdentity({ orgId: home.org.id });
    const res = await server.get('/api/v1/orgs', machine.token);
    expect(res.body.orgs).toEqual([expect.objectContaining({ id: home.org.id, role: null })]);
  });
});
