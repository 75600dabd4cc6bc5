import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { auditLogs, pamSessions } from '../../db/schema/index.ts';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { sshResourceInput } from '../../test/pam-fixtures.ts';
import { PKI_ENV, makeRequesterKeys, seedPkiWorld, type PkiWorld } from '../../services/pki/pki-world.test-support.ts';

const UNKNOWN = '00000000-0000-4000-8000-000000000000';

describe('sessions: admin termination and the gateway watch', () => {
  let server: TestServer;
  let world: PkiWorld;
  let accountA: string;
  let accountB: string;
  const client = makeRequesterKeys('client');

  beforeAll(async () => {
    server = await createTestServer({ env: PKI_ENV });
    world = await seedPkiWorld(server);
    const resourceA = (await server.post('/api/v1/pam/resources/ssh', sshResourceInput(world), world.users.admin.token)).body.id;
    accountA = (await server.post('/api/v1/pam/accounts', { resourceId: resourceA, name: 'pw', credential: { type: 'ssh-password', username: 'root', password: 'pw-9x' } }, world.users.admin.token)).body.id;
    const resourceB = (await server.post('/api/v1/pam/resources/ssh', { ...sshResourceInput(world), projectId: world.b.project.id, gatewayId: world.b.gateway.id }, world.b.owner.token)).body.id;
    accountB = (await server.post('/api/v1/pam/accounts', { resourceId: resourceB, name: 'pw', credential: { type: 'ssh-password', username: 'root', password: 'pw-9y' } }, world.b.owner.token)).body.id;
  });
  afterAll(() => server?.close());

  const openA = async () => (await server.post('/api/v1/pam/sessions', { accountId: accountA, durationSeconds: 600, csr: client.csr }, world.users.member.token)).body.sessionId as string;
  const terminate = (sessionId: string, token: string) => server.post(`/api/v1/pam/sessions/${sessionId}/terminate`, {}, token);
  const watch = (sessionIds: string[], waitSeconds: number, token = world.gatewayIdentityA.token) =>
    server.post('/api/v1/pam/sessions/watch', { sessionIds, waitSeconds }, token);

  const roles: Array<['admin' | 'orgAdmin' | 'member' | 'auditor' | 'outsider', number]> = [
    ['admin', 200], ['orgAdmin', 200], ['member', 403], ['auditor', 403], ['outsider', 404],
  ];
  it.each(roles)('project %s terminating → %i; refusals change nothing', async (who, status) => {
    const sessionId = await openA();
    const before = await server.tableCounts();
    const res = await terminate(sessionId, world.users[who].token);
    expect(res.status).toBe(status);
    const [row] = await server.db.select().from(pamSessions).where(eq(pamSessions.id, sessionId));
    if (status === 200) {
      expect(res.body).toMatchObject({ sessionId, status: 'terminated' });
      expect(row).toMatchObject({ status: 'terminated' });
      expect(row!.terminatedAt?.toISOString()).toBe(res.body.terminatedAt);
      const audit = await server.db.select().from(auditLogs).where(and(eq(auditLogs.action, 'session.terminate'), eq(auditLogs.targetId, sessionId)));
      expect(audit).toHaveLength(1);
    } else {
      expect(row).toMatchObject({ status: 'active', terminatedAt: null });
      expect(await server.tableCounts()).toEqual(before);
    }
  });

  it("another org's owner cannot see the session (404), an unknown id is 404, a bad id is 400", async () => {
    const sessionId = await openA();
    expect((await terminate(sessionId, world.b.owner.token)).status).toBe(404);
    expect((await terminate(UNKNOWN, world.users.admin.token)).status).toBe(404);
    expect((await terminate('not-a-uuid', world.users.admin.token)).status).toBe(400);
  });

  it('terminating twice is a conflict', async () => {
    const sessionId = await openA();
    expect((await terminate(sessionId, world.users.admin.token)).status).toBe(200);
    const again = await terminate(sessionId, world.users.admin.token);
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain('already terminated');
  });

  it("the gateway's watch answers within a second of the termination", async () => {
    const [sessionId, other] = [await openA(), await openA()];
    const started = Date.now();
    const pending = watch([sessionId, other], 10);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const terminatedAt = Date.now();
    expect((await terminate(sessionId, world.users.admin.token)).status).toBe(200);
    const res = await pending;
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ended: [{ sessionId, status: 'terminated' }] });
    expect(Date.now() - terminatedAt).toBeLessThan(1_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });

  it('notices a termination written by another server through the database poll', async () => {
    const sessionId = await openA();
    const pending = watch([sessionId], 10);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const writtenAt = Date.now();
    await server.db.update(pamSessions).set({ status: 'terminated', terminatedAt: new Date() }).where(eq(pamSessions.id, sessionId));
    expect((await pending).body).toEqual({ ended: [{ sessionId, status: 'terminated' }] });
    expect(Date.now() - writtenAt).toBeLessThan(1_000);
  });

  it('answers empty after waitSeconds when nothing ended', async () => {
    const sessionId = await openA();
    const started = Date.now();
    const res = await watch([sessionId], 0.3);
    expect(res.body).toEqual({ ended: [] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it("reports another gateway's or org's sessions as unknown, and refuses people", async () => {
    const sessionB = (await server.post('/api/v1/pam/sessions', { accountId: accountB, durationSeconds: 600, csr: client.csr }, world.b.owner.token)).body.sessionId;
    const res = await watch([sessionB, UNKNOWN], 5);
    expect(res.body).toEqual({ ended: [{ sessionId: sessionB, status: 'unknown' }, { sessionId: UNKNOWN, status: 'unknown' }] });
    const byUser = await watch([sessionB], 0, world.users.admin.token);
    expect(byUser.status).toBe(403);
  });

  it('refuses malformed watch requests', async () => {
    expect((await watch([], 1)).status).toBe(400);
    expect((await watch(['nope'], 1)).status).toBe(400);
    expect((await watch([UNKNOWN], 31)).status).toBe(400);
  });
});
