import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAudit } from '../../services/audit.ts';
import { createTestServer, type TestResponse, type TestServer } from '../../test/harness.ts';
import type { SeededOrg } from '../../test/seed.ts';

let server: TestServer;
let home: SeededOrg;
const logPath = () => `/api/v1/orgs/${home.org.id}/audit-logs`;

beforeAll(async () => {
  server = await createTestServer();
  home = await server.seedOrg();
  // 25 events in a known order and at known times: 5 per hour over 5 hours.
  const start = Date.UTC(2026, 0, 1, 0, 0, 0);
  for (let i = 0; i < 25; i++) {
    await recordAudit(server.db, {
      orgId: home.org.id, projectId: i % 2 === 0 ? home.project.id : null,
      actor: i % 5 === 0 ? { kind: 'system' } : { kind: 'user', userId: home.owner.user.id, email: home.owner.email },
      action: i % 3 === 0 ? 'test.alpha' : 'test.beta', targetType: 'thing', targetId: `t${i}`, details: { i },
      at: new Date(start + Math.floor(i / 5) * 3_600_000 + (i % 5) * 1000),
    });
  }
});
afterAll(async () => server?.close());

const fetchAll = async (query: string) => {
  const seen: number[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 50; page++) {
    const res: TestResponse = await server.get(`${logPath()}?${query}&limit=4${cursor ? `&cursor=${cursor}` : ''}`, home.owner.token);
    expect(res.status).toBe(200);
    seen.push(...res.body.items.map((item: { details: { i: number } }) => item.details.i));
    cursor = res.body.nextCursor;
    if (!cursor) return seen;
  }
  throw new Error('pagination did not end');
};

describe('audit log: listing', () => {
  it('pages newest first through every event exactly once', async () => {
    const all = await fetchAll('action=test.*');
    expect(all).toEqual(Array.from({ length: 25 }, (_, k) => 24 - k));
  });

  it('filters by action, project, actor and time range', async () => {
    expect(await fetchAll('action=test.alpha')).toEqual([24, 21, 18, 15, 12, 9, 6, 3, 0]);
    expect((await fetchAll(`action=test.*&projectId=${home.project.id}`)).every((i) => i % 2 === 0)).toBe(true);
    const byOwner = await fetchAll(`action=test.*&actorId=${home.owner.user.id}`);
    expect(byOwner).toHaveLength(20);
    expect(byOwner.some((i) => i % 5 === 0)).toBe(false);
    const window = await fetchAll(`action=test.*&from=2026-01-01T01:00:00Z&to=2026-01-01T02:00:04Z`);
    expect(window).toEqual([14, 13, 12, 11, 10, 9, 8, 7, 6, 5]);
  });

  it('returns the documented entry shape', async () => {
    const res = await server.get(`${logPath()}?action=test.alpha&limit=1`, home.owner.token);
    expect(res.body.items[0]).toEqual({
      id: expect.any(String), seq: expect.any(Number), orgId: home.org.id, projectId: home.project.id,
      actor: { type: 'user', id: home.owner.user.id, label: home.owner.email },
      action: 'test.alpha', target: { type: 'thing', id: 't24' }, details: { i: 24 }, createdAt: '2026-01-01T04:00:04.000Z',
    });
  });
});
