import { describe, expect, it } from 'vitest';
import { recordAudit } from '../../services/audit.ts';
import { useTenantServer, type TenantCallers } from '../../test/fixtures.ts';
import type { TestServer } from '../../test/harness.ts';
import type { SeededOrg } from '../../test/seed.ts';
import type { Project } from '../../db/schema/index.ts';

let server: TestServer;
let home: SeededOrg;
let other: SeededOrg;
let secondProject: Project;
let callers: TenantCallers['tokens'];

useTenantServer(async (fixture) => {
  ({ server, home, other, tokens: callers } = fixture);
  secondProject = await server.seedProject(home.org.id, { name: 'second' });
  const event = (orgId: string, projectId: string | null, targetId: string) => recordAudit(server.db, {
    orgId, projectId, actor: { kind: 'system' }, action: 'sec.event', targetType: 'thing', targetId,
  });
  await event(home.org.id, home.project.id, 'in-default');
  await event(home.org.id, secondProject.id, 'in-second');
  await event(home.org.id, null, 'org-wide');
  await event(other.org.id, other.project.id, 'other-org');
});

const targets = (body: { items: Array<{ target: { id: string } }> }) => body.items.map((item) => item.target.id).sort();

describe('audit log: who sees what', () => {
  describe.each([
    ['owner', 200, ['in-default', 'in-second', 'org-wide']],
    ['org admin', 200, ['in-default', 'in-second', 'org-wide']],
    ['project admin', 200, ['in-default']],
    ['project auditor', 200, ['in-default']],
    ['machine auditor', 200, ['in-default']],
    ['machine admin', 200, ['in-default']],
    ['project member', 403, []],
    ['machine member', 403, []],
    ['org member', 403, []],
    ['machine without project', 403, []],
    ['other org owner', 404, []],
    ['other org machine', 404, []],
    ['user in no org', 404, []],
  ] as const)('%s', (caller, status, visible) => {
    it(`lists → ${status}${status === 200 ? `, seeing ${visible.join(', ')}` : ''}`, async () => {
      const res = await server.get(`/api/v1/orgs/${home.org.id}/audit-logs?action=sec.event`, callers[caller]);
      expect(res.status).toBe(status);
      if (status === 200) expect(targets(res.body)).toEqual([...visible]);
    });
  });

  it('a project auditor filtering on a project it cannot review gets 404, not the rows', async () => {
    const res = await server.get(`/api/v1/orgs/${home.org.id}/audit-logs?projectId=${secondProject.id}`, callers['project auditor']);
    expect(res.status).toBe(404);
  });

  it('filtering on another org\'s project through one\'s own org shows nothing of it', async () => {
    const res = await server.get(`/api/v1/orgs/${home.org.id}/audit-logs?projectId=${other.project.id}`, callers.owner);
    expect(res.status).toBe(404);
    expect(res.text).not.toContain('other-org');
  });

  it('the other org\'s owner sees only its own org\'s events', async () => {
    const res = await server.get(`/api/v1/orgs/${other.org.id}/audit-logs?action=sec.event`, callers['other org owner']);
    expect(targets(res.body)).toEqual(['other-org']);
  });
});
