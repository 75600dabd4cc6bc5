import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { PKI_ENV } from '../../services/pki/pki-world.test-support.ts';
import { fetchKey, openSession, putChunk, sealRecords, seedRecordingWorld, sshSessionChunks, type RecordingWorld } from './recordings.test-support.ts';

type Caller = 'admin' | 'orgAdmin' | 'auditor' | 'member' | 'outsider' | 'ownerB' | 'gatewayA' | 'gatewayB';

describe('recordings: who may see and upload what', () => {
  let server: TestServer;
  let world: RecordingWorld;
  let memberSession: string;
  let adminSession: string;
  let bSession: string;
  const token = (who: Caller) => ({
    admin: world.users.admin.token, orgAdmin: world.users.orgAdmin.token, auditor: world.users.auditor.token, member: world.users.member.token,
    outsider: world.users.outsider.token, ownerB: world.b.owner.token, gatewayA: world.gatewayIdentityA.token, gatewayB: world.gatewayIdentityB.token,
  })[who];

  beforeAll(async () => {
    server = await createTestServer({ env: PKI_ENV });
    world = await seedRecordingWorld(server);
    const record = async (sessionId: string, gateway: string) => {
      const key = await fetchKey(server, sessionId, gateway);
      for (const [index, records] of sshSessionChunks(Date.now()).entries()) await putChunk(server, sessionId, index, sealRecords(key, sessionId, index, records, index === 1), gateway);
    };
    memberSession = await openSession(server, world.sshAccount, world.users.member.token);
    adminSession = await openSession(server, world.sshAccount, world.users.admin.token);
    bSession = await openSession(server, world.accountB, world.b.owner.token);
    await record(memberSession, world.gatewayIdentityA.token);
    await record(bSession, world.gatewayIdentityB.token);
  });
  afterAll(() => server?.close());

  const playback: Array<[Caller, number]> = [
    ['admin', 200], ['orgAdmin', 200], ['auditor', 200], ['member', 403], ['outsider', 404], ['ownerB', 404], ['gatewayA', 404],
  ];
  describe.each([
    ['events', (id: string) => `/api/v1/pam/sessions/${id}/recording/events`],
    ['asciicast', (id: string) => `/api/v1/pam/sessions/${id}/recording/terminals/1/asciicast`],
    ['kubernetes timeline', (id: string) => `/api/v1/pam/sessions/${id}/recording/kubernetes`],
  ])('%s', (_name, path) => {
    it.each(playback)('%s → %i (the member owns the session; content never leaks in refusals)', async (who, status) => {
      const res = await server.get(path(memberSession), token(who));
      expect(res.status).toBe(status);
      if (status !== 200) expect(res.text).not.toContain('secret-output-marker');
    });
  });

  const show: Array<[Caller, number, boolean | null]> = [
    ['admin', 200, true], ['auditor', 200, true], ['orgAdmin', 200, true], ['member', 200, false], ['outsider', 404, null], ['ownerB', 404, null],
  ];
  it.each(show)("%s reading the member's session metadata → %i (canReview %s)", async (who, status, canReview) => {
    const res = await server.get(`/api/v1/pam/sessions/${memberSession}`, token(who));
    expect(res.status).toBe(status);
    if (canReview !== null) expect(res.body.canReview).toBe(canReview);
  });

  it("a member does not see another user's session, even in the same project", async () => {
    expect((await server.get(`/api/v1/pam/sessions/${adminSession}`, token('member'))).status).toBe(404);
    const listed = await server.get(`/api/v1/pam/sessions?orgId=${world.a.org.id}`, token('member'));
    const ids = listed.body.sessions.map((s: any) => s.sessionId);
    expect(ids).toContain(memberSession);
    expect(ids).not.toContain(adminSession);
    expect(listed.body.sessions.every((s: any) => s.user.id === world.users.member.user.id)).toBe(true);
  });

  it('reviewers list every session of the org; an outsider lists none; another org is 404', async () => {
    const ids = (await server.get(`/api/v1/pam/sessions?orgId=${world.a.org.id}`, token('auditor'))).body.sessions.map((s: any) => s.sessionId);
    expect(ids).toEqual(expect.arrayContaining([memberSession, adminSession]));
    expect(ids).not.toContain(bSession);
    expect((await server.get(`/api/v1/pam/sessions?orgId=${world.a.org.id}`, token('outsider'))).body.sessions).toEqual([]);
    expect((await server.get(`/api/v1/pam/sessions?orgId=${world.a.org.id}`, token('ownerB'))).status).toBe(404);
    expect((await server.get(`/api/v1/pam/sessions/${bSession}/recording/events`, token('admin'))).status).toBe(404);
  });

  it("only the session's own gateway gets the key or uploads; people never do", async () => {
    const refusedKey = async (who: Caller) => (await server.post(`/api/v1/pam/sessions/${memberSession}/recording/key`, {}, token(who))).status;
    expect(await refusedKey('gatewayB')).toBe(404);
    expect(await refusedKey('admin')).toBe(403);
    expect(await refusedKey('member')).toBe(403);
    const before = await server.tableCounts();
    const forged = sealRecords(await fetchKey(server, memberSession, token('gatewayA')), memberSession, 5, []);
    expect((await putChunk(server, memberSession, 5, forged, token('gatewayB'))).status).toBe(404);
    expect((await putChunk(server, memberSession, 5, forged, token('admin'))).status).toBe(403);
    expect(await server.tableCounts()).toEqual(before);
  });

  it("a chunk of another org's session replayed into this session does not open", async () => {
    const [stolen] = await server.db.select().from((await import('../../db/schema/index.ts')).recordingChunks).limit(50)
      .then((rows) => rows.filter((row) => row.sessionId === bSession));
    const res = await putChunk(server, adminSession, 0, stolen!.sealed, token('gatewayA'));
    expect([404, 422]).toContain(res.status);
    await fetchKey(server, adminSession, token('gatewayA'));
    const again = await putChunk(server, adminSession, 0, stolen!.sealed, token('gatewayA'));
    expect(again.status).toBe(422);
    expect(again.body.error.code).toBe('recording_integrity_failed');
  });

  it('never logs a key or recorded content', () => {
    const everything = server.logs.join('\n');
    expect(everything).not.toContain('secret-output-marker');
    expect(everything).not.toMatch(/"key":"[A-Za-z0-9_-]{43}"/);
  });
});
