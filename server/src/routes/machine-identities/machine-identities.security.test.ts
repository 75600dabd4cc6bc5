import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import type { SeededMachineIdentity, SeededOrg } from '../../test/seed.ts';

let server: TestServer;
let home: SeededOrg;
let other: SeededOrg;
let target: SeededMachineIdentity;
const callers: Record<string, string> = {};

beforeAll(async () => {
  server = await createTestServer();
  home = await server.seedOrg();
  other = await server.seedOrg();
  target = await server.seedMachineIdentity({ orgId: home.org.id, name: 'target' });
  callers.owner = home.owner.token;
  callers.orgAdmin = (await server.seedUser({ orgId: home.org.id, orgRole: 'admin' })).token;
  callers.orgMember = (await server.seedUser({ orgId: home.org.id, orgRole: 'member' })).token;
  callers.projectAdmin = (await server.seedUser({ orgId: home.org.id, projects: [{ projectId: home.project.id, role: 'admin' }] })).token;
  callers.machine = (await server.seedMachineIdentity({ orgId: home.org.id, projects: [{ projectId: home.project.id, role: 'admin' }] })).token;
  callers.otherOrgOwner = other.owner.token;
});
afterAll(async () => server?.close());

const path = (orgId = home.org.id) => `/api/v1/orgs/${orgId}/machine-identities`;

describe('machine identities: who may do what', () => {
  describe.each([
    ['owner', 200],
    ['orgAdmin', 200],
    ['orgMember', 403],
    ['projectAdmin', 403],
    ['machine', 403],
    ['otherOrgOwner', 404],
  ] as const)('%s', (caller, status) => {
    it(`list, read, create, rename, rotate → ${status === 200 ? 'allowed' : status}; refusals change nothing and reveal no secret`, async () => {
      const token = callers[caller];
      const before = await server.tableCounts();
      const results = [
        await server.get(path(), token),
        await server.get(`${path()}/${target.identity.id}`, token),
        await server.post(path(), { name: `by-${caller}` }, token),
        await server.patch(`${path()}/${target.identity.id}`, { name: 'target' }, token),
      ];
      expect(results.map((r) => r.status)).toEqual(status === 200 ? [200, 200, 201, 200] : [status, status, status, status]);
      if (status !== 200) {
        expect(await server.tableCounts()).toEqual(before);
        const rotate = await server.post(`${path()}/${target.identity.id}/rotate-secret`, {}, token);
        expect(rotate.status).toBe(status);
        expect(rotate.text).not.toContain('pcs_');
        expect((await server.delete(`${path()}/${target.identity.id}`, token)).status).toBe(status);
        // The identity still signs in with its unchanged secret.
        expect((await server.post('/api/v1/auth/machine-identity/login', { clientId: target.clientId, clientSecret: target.clientSecret })).status).toBe(200);
      }
    });
  });

  it('another org\'s identity is not found through this org, and this org\'s through another', async () => {
    const foreign = await server.seedMachineIdentity({ orgId: other.org.id });
    expect((await server.get(`${path()}/${foreign.identity.id}`, callers.owner)).status).toBe(404);
    expect((await server.post(`${path()}/${foreign.identity.id}/rotate-secret`, {}, callers.owner)).status).toBe(404);
    expect((await server.delete(`${path(other.org.id)}/${target.identity.id}`, callers.otherOrgOwner)).status).toBe(404);
    expect((await server.get(path(other.org.id), callers.owner)).status).toBe(404);
  });
});
