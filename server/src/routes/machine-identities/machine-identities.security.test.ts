import { describe, expect, it } from 'vitest';
import { useTenantServer, type TenantCallers } from '../../test/fixtures.ts';
import type { TestServer } from '../../test/harness.ts';
import type { SeededMachineIdentity, SeededOrg } from '../../test/seed.ts';

let server: TestServer;
let home: SeededOrg;
let other: SeededOrg;
let target: SeededMachineIdentity;
let callers: TenantCallers['tokens'];
useTenantServer(async (fixture) => {
  ({ server, home, other, tokens: callers } = fixture);
  target = await server.seedMachineIdentity({ orgId: home.org.id, name: 'target' });
});

const path = (orgId = home.org.id) => `/api/v1/orgs/${orgId}/machine-identities`;

describe('machine identities: who may do what', () => {
  describe.each([
    ['owner', 200],
    ['org admin', 200],
    ['org member', 403],
    ['project admin', 403],
    ['machine admin', 403],
    ['machine without project', 403],
    ['other org owner', 404],
    ['other org machine', 404],
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
    expect((await server.delete(`${path(other.org.id)}/${target.identity.id}`, callers['other org owner'])).status).toBe(404);
    expect((await server.get(path(other.org.id), callers.owner)).status).toBe(404);
  });
});
