import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { auditLogs, pamSessions } from '../../db/schema/index.ts';
import { createEndSessionWorld, type EndSessionWorld } from './end-session.test-support.ts';

describe('POST /api/v1/pam/sessions/{id}/end: the user ends their own session', () => {
  let t: EndSessionWorld;
  beforeAll(async () => { t = await createEndSessionWorld(); });
  afterAll(() => t?.server.close());

  const watch = (sessionIds: string[], waitSeconds: number) =>
    t.server.post('/api/v1/pam/sessions/watch', { sessionIds, waitSeconds }, t.world.gatewayIdentityA.token);

  it("ends the session now: status 'ended', endedAt, one audit row by the user", async () => {
    const sessionId = await t.openA(t.world.users.member.token);
    const res = await t.end(sessionId, t.world.users.member.token);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ sessionId, status: 'ended', endedAt: expect.any(String) });
    const [row] = await t.server.db.select().from(pamSessions).where(eq(pamSessions.id, sessionId));
    expect(row).toMatchObject({ status: 'ended', terminatedAt: null });
    expect(row!.endedAt?.toISOString()).toBe(res.body.endedAt);
    const audit = await t.server.db.select().from(auditLogs).where(and(eq(auditLogs.action, 'session.end'), eq(auditLogs.targetId, sessionId)));
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorType: 'user', actorId: t.world.users.member.user.id, targetType: 'session' });
  });

  it('a project admin ends a session they opened themselves the same way', async () => {
    const sessionId = await t.openA(t.world.users.admin.token);
    const res = await t.end(sessionId, t.world.users.admin.token);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ended');
  });

  it("the gateway's watch answers 'ended' within a second, and the session is no longer active for the gateway", async () => {
    const [sessionId, other] = [await t.openA(t.world.users.member.token), await t.openA(t.world.users.member.token)];
    const pending = watch([sessionId, other], 10);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const endedAt = Date.now();
    expect((await t.end(sessionId, t.world.users.member.token)).status).toBe(200);
    const res = await pending;
    expect(res.body).toEqual({ ended: [{ sessionId, status: 'ended' }] });
    expect(Date.now() - endedAt).toBeLessThan(1_000);
    const status = await t.server.get(`/api/v1/pam/sessions/${sessionId}/status`, t.world.gatewayIdentityA.token);
    expect(status.body).toMatchObject({ active: false, status: 'ended' });
    const credentials = await t.server.post(`/api/v1/pam/sessions/${sessionId}/credentials`, {}, t.world.gatewayIdentityA.token);
    expect(credentials.status).toBe(410);
  });

  it('the session detail shows it as ended, with its end time', async () => {
    const sessionId = await t.openA(t.world.users.member.token);
    const endedAt = (await t.end(sessionId, t.world.users.member.token)).body.endedAt;
    const detail = await t.server.get(`/api/v1/pam/sessions/${sessionId}`, t.world.users.member.token);
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({ sessionId, status: 'ended', endedAt });
  });
});
