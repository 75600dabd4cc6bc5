import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { pamSessions } from '../../db/schema/index.ts';
import { UNKNOWN_SESSION, createEndSessionWorld, type EndSessionWorld } from './end-session.test-support.ts';

describe('POST /api/v1/pam/sessions/{id}/end: refusals change nothing', () => {
  let t: EndSessionWorld;
  beforeAll(async () => { t = await createEndSessionWorld(); });
  afterAll(() => t?.server.close());

  /** Runs a refused call and proves no table changed and the session (if any) kept its status. */
  async function refused(sessionId: string, token: string | undefined, status: number) {
    const isUuid = /^[0-9a-f-]{36}$/.test(sessionId);
    const rowOf = async () => (isUuid ? (await t.server.db.select().from(pamSessions).where(eq(pamSessions.id, sessionId)))[0] : undefined);
    const rowBefore = await rowOf();
    const before = await t.server.tableCounts();
    const res = await t.end(sessionId, token);
    expect(res.status).toBe(status);
    expect(await t.server.tableCounts()).toEqual(before);
    expect(await rowOf()).toEqual(rowBefore);
    return res.body;
  }

  it('400 for a malformed id, 401 without a token, 404 for an unknown session', async () => {
    const member = t.world.users.member.token;
    expect((await refused('not-a-uuid', member, 400)).error.code).toBeDefined();
    const sessionId = await t.openA(member);
    await refused(sessionId, undefined, 401);
    await refused(sessionId, 'not-a-real-token', 401);
    expect((await refused(UNKNOWN_SESSION, member, 404)).error.code).toBe('session_not_found');
  });

  it('409 naming the status when ended twice', async () => {
    const member = t.world.users.member.token;
    const sessionId = await t.openA(member);
    expect((await t.end(sessionId, member)).status).toBe(200);
    const body = await refused(sessionId, member, 409);
    expect(body.error.message).toContain('already ended');
    expect(body.error.details).toMatchObject({ sessionId, status: 'ended' });
  });

  it('409 naming the status after an admin terminated it', async () => {
    const member = t.world.users.member.token;
    const sessionId = await t.openA(member);
    expect((await t.server.post(`/api/v1/pam/sessions/${sessionId}/terminate`, {}, t.world.users.admin.token)).status).toBe(200);
    const body = await refused(sessionId, member, 409);
    expect(body.error.details).toMatchObject({ status: 'terminated' });
  });

  it('409 naming the status once the session has expired (the stored status stays active)', async () => {
    const member = t.world.users.member.token;
    const sessionId = await t.openA(member);
    t.server.advanceClock(601_000);
    const body = await refused(sessionId, member, 409);
    expect(body.error.message).toContain('already expired');
    expect((await t.server.db.select().from(pamSessions).where(eq(pamSessions.id, sessionId)))[0]).toMatchObject({ status: 'active', endedAt: null });
  });
});
