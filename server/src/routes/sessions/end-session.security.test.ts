import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { pamSessions } from '../../db/schema/index.ts';
import { UNKNOWN_SESSION, createEndSessionWorld, type EndSessionWorld } from './end-session.test-support.ts';

/** Only the user who opened a session ends it; everyone else, whatever their role, sees no such session. */
describe('POST /api/v1/pam/sessions/{id}/end: only the session own user', () => {
  let t: EndSessionWorld;
  beforeAll(async () => { t = await createEndSessionWorld(); });
  afterAll(() => t?.server.close());

  type Caller = 'admin' | 'orgAdmin' | 'auditor' | 'outsider' | 'other org owner' | 'own gateway' | 'other gateway';
  const tokenOf = (who: Caller): string => {
    if (who === 'other org owner') return t.world.b.owner.token;
    if (who === 'own gateway') return t.world.gatewayIdentityA.token;
    if (who === 'other gateway') return t.world.gatewayIdentityB.token;
    return t.world.users[who].token;
  };
  const callers: Caller[] = ['admin', 'orgAdmin', 'auditor', 'outsider', 'other org owner', 'own gateway', 'other gateway'];

  it.each(callers)("%s ending a member's session gets 404, as for an unknown id, and nothing changes", async (who) => {
    const sessionId = await t.openA(t.world.users.member.token);
    const before = await t.server.tableCounts();
    const res = await t.end(sessionId, tokenOf(who));
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('session_not_found');
    const unknown = await t.end(UNKNOWN_SESSION, tokenOf(who));
    expect(unknown.body.error.message.replace(UNKNOWN_SESSION, sessionId)).toBe(res.body.error.message);
    expect(await t.server.tableCounts()).toEqual(before);
    expect((await t.server.db.select().from(pamSessions).where(eq(pamSessions.id, sessionId)))[0]).toMatchObject({ status: 'active', endedAt: null });
  });

  it("another member of the same project cannot end it either; the member cannot end an admin's session", async () => {
    const memberSession = await t.openA(t.world.users.member.token);
    const adminSession = await t.openA(t.world.users.admin.token);
    expect((await t.end(adminSession, t.world.users.member.token)).status).toBe(404);
    expect((await t.end(memberSession, t.world.users.admin.token)).status).toBe(404);
    expect((await t.end(memberSession, t.world.users.member.token)).status).toBe(200);
  });

  it("org B's owner cannot end org A's session, and org A's member cannot end org B's", async () => {
    const sessionB = await t.openB();
    expect((await t.end(sessionB, t.world.users.member.token)).status).toBe(404);
    expect((await t.end(sessionB, t.world.users.admin.token)).status).toBe(404);
    expect((await t.end(sessionB, t.world.b.owner.token)).status).toBe(200);
  });
});
