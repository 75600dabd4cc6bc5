import { describe, expect, it } from 'vitest';
import { useOrgServer } from '../../test/fixtures.ts';
import type { TestServer } from '../../test/harness.ts';
import type { SeededOrg } from '../../test/seed.ts';

let server: TestServer;
let home: SeededOrg;
useOrgServer((fixture) => ({ server, home } = fixture));

const path = () => `/api/v1/orgs/${home.org.id}/machine-identities`;

describe('machine identities: happy paths', () => {
  it('creates one and shows the secret only in that response; the credentials sign in', async () => {
    const created = await server.post(path(), { name: 'gateway 東京 🚪' }, home.owner.token);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'gateway 東京 🚪', orgId: home.org.id });
    expect(created.body.clientId).toMatch(/^pci_[0-9a-f]{24}$/);
    expect(created.body.clientSecret).toMatch(/^pcs_/);
    const fetched = await server.get(`${path()}/${created.body.id}`, home.owner.token);
    expect(fetched.body).not.toHaveProperty('clientSecret');
    const list = await server.get(path(), home.owner.token);
    expect(list.body.machineIdentities).toEqual([expect.objectContaining({ id: created.body.id })]);
    expect(list.text).not.toContain(created.body.clientSecret);
    const login = await server.post('/api/v1/auth/machine-identity/login', { clientId: created.body.clientId, clientSecret: created.body.clientSecret });
    expect(login.status).toBe(200);
  });

  it('renames, rotates and deletes, auditing each', async () => {
    const created = await server.post(path(), { name: "gw'); drop table machine_identities;--" }, home.owner.token);
    expect(created.body.name).toBe("gw'); drop table machine_identities;--");
    const renamed = await server.patch(`${path()}/${created.body.id}`, { name: 'gw-renamed' }, home.owner.token);
    expect(renamed.body.name).toBe('gw-renamed');
    const rotated = await server.post(`${path()}/${created.body.id}/rotate-secret`, {}, home.owner.token);
    expect(rotated.body.clientId).toBe(created.body.clientId);
    expect((await server.delete(`${path()}/${created.body.id}`, home.owner.token)).status).toBe(204);
    expect((await server.get(`${path()}/${created.body.id}`, home.owner.token)).status).toBe(404);
    const log = await server.get(`/api/v1/orgs/${home.org.id}/audit-logs?action=machine_identity.*`, home.owner.token);
    const forThis = log.body.items.filter((i: { target: { id: string } }) => i.target.id === created.body.id).map((i: { action: string }) => i.action);
    expect(forThis).toEqual(['machine_identity.delete', 'machine_identity.rotate_secret', 'machine_identity.update', 'machine_identity.create']);
    expect(JSON.stringify(log.body)).not.toContain(rotated.body.clientSecret);
  });
});
