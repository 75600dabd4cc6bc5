import { describe, expect, it } from 'vitest';
import { useTenantServer, type TenantCallers } from '../../test/fixtures.ts';
import type { TestServer } from '../../test/harness.ts';
import type { SeededOrg } from '../../test/seed.ts';

let server: TestServer;
let home: SeededOrg;
let other: SeededOrg;
let callers: TenantCallers['tokens'];
useTenantServer((fixture) => ({ server, home, other, tokens: callers } = fixture));

describe('orgs: who may do what', () => {
  describe.each([
    ['owner', 200, 200],
    ['org admin', 200, 200],
    ['org member', 200, 403],
    ['project admin', 200, 403],
    ['project auditor', 200, 403],
    ['machine admin', 403, 403],
    ['machine without project', 403, 403],
    ['other org owner', 404, 404],
    ['other org machine', 404, 404],
    ['user in no org', 404, 404],
  ] as const)('%s', (caller, readStatus, renameStatus) => {
    it(`reads the org → ${readStatus}`, async () => {
      expect((await server.get(`/api/v1/orgs/${home.org.id}`, callers[caller])).status).toBe(readStatus);
    });

    it(`renames the org → ${renameStatus}, and a refusal changes nothing`, async () => {
      const before = await server.tableCounts();
      const res = await server.patch(`/api/v1/orgs/${home.org.id}`, { name: `renamed by ${caller}` }, callers[caller]);
      expect(res.status).toBe(renameStatus);
      if (renameStatus !== 200) expect(await server.tableCounts()).toEqual(before);
    });
  });

  it('a machine identity cannot create an org', async () => {
    const res = await server.post('/api/v1/orgs', { name: 'machine org' }, callers['machine admin']);
    expect(res.status).toBe(403);
  });

  it('the org list of one org\'s owner never shows another org', async () => {
    const res = await server.get('/api/v1/orgs', callers['other org owner']);
    expect(res.body.orgs.map((org: { id: string }) => org.id)).toEqual([other.org.id]);
  });

  it('a foreign org answers exactly like a missing one', async () => {
    const foreign = await server.get(`/api/v1/orgs/${other.org.id}`, callers.owner);
    const missing = await server.get('/api/v1/orgs/00000000-0000-4000-8000-000000000000', callers.owner);
    expect(foreign.body.error.message.replace(other.org.id, 'ID')).toBe(missing.body.error.message.replace('00000000-0000-4000-8000-000000000000', 'ID'));
  });
});
