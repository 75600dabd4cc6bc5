import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { parseAsciicast } from '@postern/shared/recording/asciicast';
import { chunkSha256 } from '@postern/shared/recording/chunk';
import { auditLogs, recordingChunks, sessionRecordings } from '../../db/schema/index.ts';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { PKI_ENV } from '../../services/pki/pki-world.test-support.ts';
import { fetchKey, openSession, putChunk, sealRecords, seedRecordingWorld, sshSessionChunks, type RecordingWorld } from './recordings.test-support.ts';

describe('recordings: upload, list, review', () => {
  let server: TestServer;
  let world: RecordingWorld;
  let gateway: string;

  beforeAll(async () => {
    server = await createTestServer({ env: PKI_ENV });
    world = await seedRecordingWorld(server);
    gateway = world.gatewayIdentityA.token;
  });
  afterAll(() => server?.close());

  async function recordedSshSession(): Promise<{ sessionId: string; t0: number }> {
    const sessionId = await openSession(server, world.sshAccount, world.users.member.token);
    const key = await fetchKey(server, sessionId, gateway);
    const t0 = Date.now();
    const chunks = sshSessionChunks(t0);
    for (const [index, records] of chunks.entries()) {
      const res = await putChunk(server, sessionId, index, sealRecords(key, sessionId, index, records, index === chunks.length - 1), gateway);
      expect(res.status).toBe(200);
    }
    return { sessionId, t0 };
  }

  it('the gateway gets one key per session, stored only vault-sealed', async () => {
    const sessionId = await openSession(server, world.sshAccount, world.users.member.token);
    const [first, second] = [await fetchKey(server, sessionId, gateway), await fetchKey(server, sessionId, gateway)];
    expect(first.length).toBe(32);
    expect((await server.post(`/api/v1/pam/sessions/${sessionId}/recording/key`, {}, gateway)).body.nextIndex).toBe(0);
    expect(second.equals(first)).toBe(true);
    const [row] = await server.db.select().from(sessionRecordings).where(eq(sessionRecordings.sessionId, sessionId));
    expect(row!.keyCiphertext).not.toContain(first.toString('base64url'));
    expect(row!.keyCiphertext).not.toContain(first.toString('base64'));
    const other = await openSession(server, world.sshAccount, world.users.member.token);
    expect((await fetchKey(server, other, gateway)).equals(first)).toBe(false);
  });

  it('stores chunks as sealed, confirms them by hash, and re-upload is idempotent', async () => {
    const sessionId = await openSession(server, world.sshAccount, world.users.member.token);
    const key = await fetchKey(server, sessionId, gateway);
    const chunk = sealRecords(key, sessionId, 0, sshSessionChunks(Date.now())[0]!);
    const first = await putChunk(server, sessionId, 0, chunk, gateway, chunkSha256(chunk));
    expect(first.body).toEqual({ sessionId, index: 0, sha256: chunkSha256(chunk), size: chunk.length, final: false, duplicate: false });
    const again = await putChunk(server, sessionId, 0, chunk, gateway);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ duplicate: true, sha256: chunkSha256(chunk) });
    const rows = await server.db.select().from(recordingChunks).where(eq(recordingChunks.sessionId, sessionId));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.sealed.equals(chunk)).toBe(true);
    expect(rows[0]!.sealed.includes(Buffer.from('secret-output-marker'))).toBe(false);
    const [totals] = await server.db.select().from(sessionRecordings).where(eq(sessionRecordings.sessionId, sessionId));
    expect(totals).toMatchObject({ chunkCount: 1, terminalCount: 1, finalIndex: null });
    const key2 = await server.post(`/api/v1/pam/sessions/${sessionId}/recording/key`, {}, gateway);
    expect(key2.body).toMatchObject({ nextIndex: 1, maxChunkBytes: 512 * 1024 });
  });

  it('lists the session with who, resource, account, times, bytes, exit code, completeness', async () => {
    const { sessionId, t0 } = await recordedSshSession();
    const res = await server.get(`/api/v1/pam/sessions?orgId=${world.a.org.id}&resourceId=${world.sshResource}`, world.users.auditor.token);
    expect(res.status).toBe(200);
    const listed = res.body.sessions.find((s: any) => s.sessionId === sessionId);
    expect(listed).toMatchObject({
      status: 'active', user: { id: world.users.member.user.id }, resource: { id: world.sshResource, type: 'ssh' }, account: { id: world.sshAccount, username: 'root' },
      recording: { chunks: 2, terminals: 2, events: 1, exitCode: 3, complete: true, terminalBytes: 2 + 26 + 51 + 10 + 8, firstAt: new Date(t0).toISOString() },
    });
    const shown = await server.get(`/api/v1/pam/sessions/${sessionId}`, world.users.auditor.token);
    expect(shown.body).toMatchObject({ sessionId, canReview: true, recording: { complete: true } });
  });

  it('serves events with the terminal index, and each terminal as asciicast v2', async () => {
    const { sessionId, t0 } = await recordedSshSession();
    const events = await server.get(`/api/v1/pam/sessions/${sessionId}/recording/events`, world.users.admin.token);
    expect(events.status).toBe(200);
    expect(events.body).toMatchObject({ complete: true, missingChunks: [], events: [{ at: new Date(t0 + 960).toISOString(), event: { type: 'ssh.exec', command: 'uptime', exitCode: 0 } }] });
    expect(events.body.terminals).toEqual([
      expect.objectContaining({ terminal: 1, command: null, exitCode: 3, bytesIn: 26, durationSeconds: 1.6 }),
      expect.objectContaining({ terminal: 2, command: 'uptime', exitCode: 0, bytesOut: 10 }),
    ]);
    const cast = await server.get(`/api/v1/pam/sessions/${sessionId}/recording/terminals/1/asciicast`, world.users.admin.token);
    expect(cast.headers.get('content-type')).toContain('application/x-asciicast');
    const parsed = parseAsciicast(cast.text);
    expect(parsed.header).toMatchObject({ version: 2, width: 80, height: 24, env: { TERM: 'xterm-256color' }, duration: 1.6 });
    expect(parsed.events).toEqual([[0.1, 'o', '$ '], [0.6, 'i', 'echo secret-output-marker\r'], [0.7, 'o', 'echo secret-output-marker\r\nsecret-output-marker\r\n$ '], [0.8, 'r', '100x30'], [1.5, 'o', 'logout\r\n']]);
    const views = await server.db.select().from(auditLogs).where(and(eq(auditLogs.action, 'session.recording.view'), eq(auditLogs.targetId, sessionId)));
    expect(views).toHaveLength(2);
  });

  it('groups Kubernetes requests into a command timeline', async () => {
    const sessionId = await openSession(server, world.k8sAccount, world.users.member.token);
    const key = await fetchKey(server, sessionId, gateway);
    const t0 = Date.now();
    const request = (at: number, path: string, extra: Record<string, unknown>) => ({ kind: 'event' as const, terminal: 0 as const, at, event: { type: 'k8s.request', method: 'GET', path, status: 200, durationMs: 5, ...extra } });
    const chunk = sealRecords(key, sessionId, 0, [
      request(t0, '/api', { verb: 'get', kubectlSession: 'run-1', kubectlCommand: 'kubectl get' }),
      request(t0 + 10, '/api/v1/namespaces/prod/pods', { verb: 'list', namespace: 'prod', resource: 'pods', kubectlSession: 'run-1', kubectlCommand: 'kubectl get', inferredCommand: 'kubectl get pods -n prod' }),
      request(t0 + 50, '/api/v1/namespaces/prod/pods/web', { verb: 'delete', method: 'DELETE', namespace: 'prod', resource: 'pods', name: 'web', status: 403, kubectlSession: 'run-2', inferredCommand: 'kubectl delete pod web -n prod' }),
    ], true);
    expect((await putChunk(server, sessionId, 0, chunk, gateway)).status).toBe(200);
    const timeline = await server.get(`/api/v1/pam/sessions/${sessionId}/recording/kubernetes`, world.users.auditor.token);
    expect(timeline.status).toBe(200);
    expect(timeline.body.commands).toEqual([
      expect.objectContaining({ kubectlSession: 'run-1', command: 'kubectl get pods -n prod', requests: 2, failed: 0, actions: [expect.objectContaining({ resource: 'pods', verb: 'list' })] }),
      expect.objectContaining({ kubectlSession: 'run-2', command: 'kubectl delete pod web -n prod', requests: 1, failed: 1 }),
    ]);
    const typed = await server.get(`/api/v1/pam/sessions?orgId=${world.a.org.id}&type=kubernetes`, world.users.admin.token);
    expect(typed.body.sessions.map((s: any) => s.sessionId)).toContain(sessionId);
    expect(typed.body.sessions.every((s: any) => s.resource.type === 'kubernetes')).toBe(true);
  });

  it('reports chunks that never arrived and the recording as incomplete', async () => {
    const sessionId = await openSession(server, world.sshAccount, world.users.member.token);
    const key = await fetchKey(server, sessionId, gateway);
    const chunks = sshSessionChunks(Date.now());
    expect((await putChunk(server, sessionId, 0, sealRecords(key, sessionId, 0, chunks[0]!), gateway)).status).toBe(200);
    expect((await putChunk(server, sessionId, 2, sealRecords(key, sessionId, 2, [], true), gateway)).status).toBe(200);
    const events = await server.get(`/api/v1/pam/sessions/${sessionId}/recording/events`, world.users.admin.token);
    expect(events.body).toMatchObject({ complete: false, missingChunks: [1] });
    expect(events.body.terminals).toEqual([expect.objectContaining({ terminal: 1, closedAt: null, exitCode: null })]);
  });

  it('filters by user and time and pages with nextBefore', async () => {
    await openSession(server, world.sshAccount, world.users.admin.token);
    const all = await server.get(`/api/v1/pam/sessions?orgId=${world.a.org.id}`, world.users.orgAdmin.token);
    expect(all.body.sessions.length).toBeGreaterThan(3);
    const byAdmin = await server.get(`/api/v1/pam/sessions?orgId=${world.a.org.id}&userId=${world.users.admin.user.id}`, world.users.orgAdmin.token);
    expect(byAdmin.body.sessions.length).toBeGreaterThan(0);
    expect(byAdmin.body.sessions.every((s: any) => s.user.id === world.users.admin.user.id)).toBe(true);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect((await server.get(`/api/v1/pam/sessions?orgId=${world.a.org.id}&from=${future}`, world.users.orgAdmin.token)).body.sessions).toEqual([]);
    const firstPage = await server.get(`/api/v1/pam/sessions?orgId=${world.a.org.id}&limit=2`, world.users.orgAdmin.token);
    expect(firstPage.body.sessions).toHaveLength(2);
    expect(firstPage.body.nextBefore).toBe(firstPage.body.sessions[1].startedAt);
  });
});
