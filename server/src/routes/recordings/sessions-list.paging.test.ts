import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inArray } from 'drizzle-orm';
import { pamSessions } from '../../db/schema/index.ts';
import { PKI_ENV } from '../../services/pki/pki-world.test-support.ts';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { openSession, seedRecordingWorld, type RecordingWorld } from './recordings.test-support.ts';

/** Paging the session list with its keyset cursor (nextBefore + nextBeforeId). */
describe('GET /api/v1/pam/sessions paging', () => {
  let server: TestServer;
  let world: RecordingWorld;
  let sameInstant: string[];
  const instant = new Date(Date.now() - 60_000);

  beforeAll(async () => {
    server = await createTestServer({ env: PKI_ENV });
    world = await seedRecordingWorld(server);
    sameInstant = [];
    for (let i = 0; i < 5; i++) sameInstant.push(await openSession(server, world.sshAccount, world.users.member.token));
    // Sessions opened in the same millisecond: a cursor on startedAt alone skips some of them.
    await server.db.update(pamSessions).set({ startedAt: instant }).where(inArray(pamSessions.id, sameInstant));
  });
  afterAll(() => server?.close());

  const listPage = async (cursor: string) => {
    const at = instant.toISOString();
    const res = await server.get(`/api/v1/pam/sessions?orgId=${world.a.org.id}&from=${at}&to=${at}&limit=2${cursor}`, world.users.orgAdmin.token);
    expect(res.status).toBe(200);
    return res.body as { sessions: { sessionId: string }[]; nextBefore: string | null; nextBeforeId: string | null };
  };

  it('returns every session exactly once, in list order, across pages of the same instant', async () => {
    const seen: string[] = [];
    let cursor = '';
    for (let page = 0; page < 10; page++) {
      const answer = await listPage(cursor);
      seen.push(...answer.sessions.map((s) => s.sessionId));
      if (!answer.nextBefore) break;
      expect(answer.nextBeforeId).toBe(answer.sessions.at(-1)?.sessionId);
      cursor = `&before=${answer.nextBefore}&beforeId=${answer.nextBeforeId}`;
    }
    expect(seen).toEqual([...sameInstant].sort().reverse());
  });

  it('ends with a null cursor when a page is not full', async () => {
    const answer = await listPage(`&before=${instant.toISOString()}&beforeId=${[...sameInstant].sort()[1]}`);
    expect(answer.sessions.map((s) => s.sessionId)).toEqual([[...sameInstant].sort()[0]]);
    expect(answer).toMatchObject({ nextBefore: null, nextBeforeId: null });
  });

  it('refuses a beforeId that is not a session id', async () => {
    const res = await server.get(`/api/v1/pam/sessions?orgId=${world.a.org.id}&before=${instant.toISOString()}&beforeId=yesterday`, world.users.orgAdmin.token);
    expect(res.status).toBe(400);
  });
});
