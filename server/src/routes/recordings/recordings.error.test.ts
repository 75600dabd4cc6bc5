import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { chunkSha256, generateRecordingKey } from '@postern/shared/recording/chunk';
import { pamSessions } from '../../db/schema/index.ts';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { PKI_ENV } from '../../services/pki/pki-world.test-support.ts';
import { MAX_CHUNK_BYTES } from '../../services/recordings.ts';
import { UNKNOWN_ID, fetchKey, openSession, putChunk, sealRecords, seedRecordingWorld, sshSessionChunks, type RecordingWorld } from './recordings.test-support.ts';

describe('recordings: bad input', () => {
  let server: TestServer;
  let world: RecordingWorld;
  let gateway: string;
  let sessionId: string;
  let key: Buffer;
  let good: Buffer;

  beforeAll(async () => {
    server = await createTestServer({ env: PKI_ENV });
    world = await seedRecordingWorld(server);
    gateway = world.gatewayIdentityA.token;
    sessionId = await openSession(server, world.sshAccount, world.users.member.token);
    key = await fetchKey(server, sessionId, gateway);
    good = sealRecords(key, sessionId, 0, sshSessionChunks(Date.now())[0]!);
  });
  afterAll(() => server?.close());

  const flipped = (bytes: Buffer, at: number) => { const copy = Buffer.from(bytes); copy[at]! ^= 1; return copy; };

  const refusals: Array<[string, () => Promise<{ status: number; body: any }>, number, string]> = [
    ['a truncated chunk', () => putChunk(server, sessionId, 0, good.subarray(0, 20), gateway), 400, 'recording_malformed'],
    ['a chunk cut before its tag', () => putChunk(server, sessionId, 0, good.subarray(0, good.length - 3), gateway), 422, 'recording_integrity_failed'],
    ['a flipped ciphertext byte', () => putChunk(server, sessionId, 0, flipped(good, 40), gateway), 422, 'recording_integrity_failed'],
    ['a chunk sealed with another key', () => putChunk(server, sessionId, 0, sealRecords(generateRecordingKey(), sessionId, 0, []), gateway), 422, 'recording_integrity_failed'],
    ['a hash that does not match', () => putChunk(server, sessionId, 0, good, gateway, chunkSha256(Buffer.from('other'))), 400, 'validation_failed'],
    ['a malformed hash header', () => putChunk(server, sessionId, 0, good, gateway, 'xyz'), 400, 'validation_failed'],
    ['a chunk sent to another index', () => putChunk(server, sessionId, 5, good, gateway), 400, 'validation_failed'],
    ['a negative index', () => putChunk(server, sessionId, -1, good, gateway), 400, 'validation_failed'],
    ['an unknown session', () => putChunk(server, UNKNOWN_ID, 0, good, gateway), 404, 'session_not_found'],
    ['an oversized chunk', () => putChunk(server, sessionId, 0, Buffer.concat([good, Buffer.alloc(MAX_CHUNK_BYTES)]), gateway), 413, 'payload_too_large'],
    ['garbage that is not a chunk', () => putChunk(server, sessionId, 0, Buffer.from('x'.repeat(100)), gateway), 400, 'recording_malformed'],
    ['a key for an unknown session', () => server.post(`/api/v1/pam/sessions/${UNKNOWN_ID}/recording/key`, {}, gateway), 404, 'session_not_found'],
  ];
  it.each(refusals)('refuses %s, and stores nothing', async (_label, send, status, code) => {
    const before = await server.tableCounts();
    const res = await send();
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(await server.tableCounts()).toEqual(before);
  });

  it('a different chunk for a stored index is a conflict; the first stays', async () => {
    expect((await putChunk(server, sessionId, 0, good, gateway)).status).toBe(200);
    const other = sealRecords(key, sessionId, 0, []);
    const res = await putChunk(server, sessionId, 0, other, gateway);
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'recording_chunk_conflict', details: { storedSha256: chunkSha256(good) } });
    expect((await putChunk(server, sessionId, 0, good, gateway)).body.duplicate).toBe(true);
  });

  it('a chunk whose records are malformed is refused even though it decrypts', async () => {
    const { sealChunk } = await import('@postern/shared/recording/chunk');
    const res = await putChunk(server, sessionId, 7, sealChunk(key, sessionId, { index: 7, final: false }, new Uint8Array([1, 0, 0])), gateway);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('recording_malformed');
  });

  it('no key after the session ended (410), but uploads of what was spooled still land', async () => {
    const ended = await openSession(server, world.sshAccount, world.users.member.token);
    const endedKey = await fetchKey(server, ended, gateway);
    await server.db.update(pamSessions).set({ status: 'ended', endedAt: new Date() }).where(eq(pamSessions.id, ended));
    expect((await server.post(`/api/v1/pam/sessions/${ended}/recording/key`, {}, gateway)).status).toBe(410);
    expect((await putChunk(server, ended, 0, sealRecords(endedKey, ended, 0, [], true), gateway)).status).toBe(200);
  });

  it('a session never given a key has no recording to add to (404)', async () => {
    const fresh = await openSession(server, world.sshAccount, world.users.member.token);
    const res = await putChunk(server, fresh, 0, sealRecords(generateRecordingKey(), fresh, 0, []), gateway);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('recording_not_found');
  });

  it('review endpoints: unknown terminal, unknown session, session with no recording, bad query', async () => {
    const admin = world.users.admin.token;
    expect((await server.get(`/api/v1/pam/sessions/${sessionId}/recording/terminals/99/asciicast`, admin)).status).toBe(404);
    expect((await server.get(`/api/v1/pam/sessions/${UNKNOWN_ID}/recording/events`, admin)).status).toBe(404);
    const silent = await openSession(server, world.sshAccount, world.users.member.token);
    const none = await server.get(`/api/v1/pam/sessions/${silent}/recording/events`, admin);
    expect(none.body.error.code).toBe('recording_not_found');
    expect((await server.get(`/api/v1/pam/sessions/${silent}`, admin)).body.recording).toBeNull();
    expect((await server.get('/api/v1/pam/sessions', admin)).status).toBe(400);
    expect((await server.get(`/api/v1/pam/sessions?orgId=${world.a.org.id}&limit=500`, admin)).status).toBe(400);
    expect((await server.get(`/api/v1/pam/sessions?orgId=${world.a.org.id}&from=yesterday`, admin)).status).toBe(400);
    expect((await server.get('/api/v1/pam/sessions/not-a-uuid', admin)).status).toBe(400);
  });
});
