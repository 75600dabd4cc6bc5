/**
 * The gateway's side of recordings: the session's recording key (made on first request, kept only
 * vault-sealed) and chunk ingest. Every chunk is opened with the session key before it is stored,
 * so the server holds only chunks that are whole and really this session's; it stores them as
 * sealed. A chunk is identified by (session, index): the same bytes again are a no-op, other bytes
 * for a stored index are refused, so a gateway may retry blindly and nobody may rewrite history.
 */
import { and, eq, sql } from 'drizzle-orm';
import { NotFoundError, PayloadTooLargeError, RecordingChunkConflictError, SessionExpiredError, ValidationError } from '@postern/shared/errors';
import { chunkSha256, generateRecordingKey, openChunk, readChunkHeader } from '@postern/shared/recording/chunk';
import { decodeRecords, type RecordingRecord } from '@postern/shared/recording/records';
import { recordingChunks, sessionRecordings, type PamSessionRow } from '../db/schema/index.ts';
import type { Principal } from '../http/principal.ts';
import type { CaStoreDeps } from './pki/ca-store.ts';
import { sessionOfGateway } from './pki/session-credentials.ts';
import { effectiveStatus } from './pki/sessions.ts';

/** Largest sealed chunk accepted; the gateway seals at 448 KiB of records, leaving 64 KiB of headroom under it. */
export const MAX_CHUNK_BYTES = 512 * 1024;

const keyField = (sessionId: string) => `recording:${sessionId}:key`;

/** The session's recording key, made now if it has none (two servers racing keep the first one stored). */
async function ensureRecordingKey(deps: CaStoreDeps, session: PamSessionRow): Promise<Buffer> {
  const existing = await storedRecordingKey(deps, session);
  if (existing) return existing;
  const keyCiphertext = await deps.vault.encrypt(session.orgId, keyField(session.id), generateRecordingKey());
  await deps.db.insert(sessionRecordings).values({ sessionId: session.id, orgId: session.orgId, keyCiphertext }).onConflictDoNothing();
  const stored = await storedRecordingKey(deps, session);
  if (!stored) throw new NotFoundError('session', session.id);
  return stored;
}

/** The key, or undefined when the session was never recorded. */
export async function storedRecordingKey(deps: CaStoreDeps, session: Pick<PamSessionRow, 'id' | 'orgId'>): Promise<Buffer | undefined> {
  const [row] = await deps.db.select({ keyCiphertext: sessionRecordings.keyCiphertext }).from(sessionRecordings)
    .where(and(eq(sessionRecordings.sessionId, session.id), eq(sessionRecordings.orgId, session.orgId))).limit(1);
  return row ? deps.vault.decrypt(session.orgId, keyField(session.id), row.keyCiphertext) : undefined;
}

/**
 * For the session's gateway, while the session is active: the key it seals the spool with (kept in
 * memory only) and the first chunk index not stored yet, so a gateway that restarted mid-session
 * continues the numbering instead of colliding with what its previous run uploaded.
 */
export async function recordingKeyForGateway(deps: CaStoreDeps, principal: Principal, sessionId: string): Promise<{ session: PamSessionRow; key: Buffer; nextIndex: number }> {
  const session = await sessionOfGateway(deps, principal, sessionId);
  if (effectiveStatus(session, deps.clock()) !== 'active') throw new SessionExpiredError(session.id);
  const key = await ensureRecordingKey(deps, session);
  const [last] = await deps.db.select({ index: sql<number | null>`max(${recordingChunks.index})` }).from(recordingChunks).where(eq(recordingChunks.sessionId, session.id));
  return { session, key, nextIndex: last?.index === null || last?.index === undefined ? 0 : Number(last.index) + 1 };
}

export interface StoredChunk {
  index: number;
  sha256: string;
  size: number;
  final: boolean;
  /** True when this exact chunk was already stored (a retry). */
  duplicate: boolean;
}

/** What a chunk adds to its session's totals, read from its records. */
interface ChunkSummary {
  terminalIds: number[];
  hasEvents: boolean;
  terminalBytes: number;
  eventCount: number;
  terminalsOpened: number;
  lastExitCode: number | null | undefined;
  firstAt: Date | null;
  lastAt: Date | null;
}

function summarize(records: readonly RecordingRecord[]): ChunkSummary {
  const terminals = new Set<number>();
  const summary: ChunkSummary = { terminalIds: [], hasEvents: false, terminalBytes: 0, eventCount: 0, terminalsOpened: 0, lastExitCode: undefined, firstAt: null, lastAt: null };
  for (const record of records) {
    if (record.kind === 'event') summary.eventCount += 1;
    else terminals.add(record.terminal);
    if (record.kind === 'open') summary.terminalsOpened += 1;
    if ('data' in record) summary.terminalBytes += record.data.length;
    if (record.kind === 'close') summary.lastExitCode = record.exitCode;
  }
  summary.terminalIds = [...terminals].sort((a, b) => a - b);
  summary.hasEvents = summary.eventCount > 0;
  if (records.length > 0) {
    summary.firstAt = new Date(Math.min(...records.map((r) => r.at)));
    summary.lastAt = new Date(Math.max(...records.map((r) => r.at)));
  }
  return summary;
}

function checkUpload(index: number, body: Uint8Array, claimedSha256: string | undefined): string {
  if (body.length > MAX_CHUNK_BYTES) throw new PayloadTooLargeError(MAX_CHUNK_BYTES);
  const header = readChunkHeader(body);
  if (header.index !== index) throw new ValidationError(`The chunk says it is number ${header.index} but was sent as number ${index}; send it to its own index.`, { index, chunkIndex: header.index });
  const sha256 = chunkSha256(body);
  if (claimedSha256 !== undefined && claimedSha256.toLowerCase() !== sha256) {
    throw new ValidationError('The chunk does not match the SHA-256 sent with it: it was damaged on the way; send it again.', { field: 'x-postern-chunk-sha256', computed: sha256 });
  }
  return sha256;
}

/** Checks, opens and stores one chunk for the session's gateway; any time, also after the session ended. */
export async function ingestRecordingChunk(
  deps: CaStoreDeps, principal: Principal, sessionId: string, index: number, body: Uint8Array, claimedSha256?: string,
): Promise<StoredChunk> {
  const sha256 = checkUpload(index, body, claimedSha256);
  const session = await sessionOfGateway(deps, principal, sessionId);
  const existing = await storedChunkHash(deps, session.id, index);
  if (existing) return answerForExisting(existing, session.id, index, sha256);
  const key = await storedRecordingKey(deps, session);
  if (!key) throw new NotFoundError('recording', sessionId);
  const opened = openChunk(key, session.id, body);
  const summary = summarize(decodeRecords(opened.plaintext));
  const inserted = await deps.db.transaction(async (tx) => {
    const rows = await tx.insert(recordingChunks).values({
      sessionId: session.id, orgId: session.orgId, index, sha256, size: body.length, sealed: Buffer.from(body), final: opened.final,
      terminalIds: summary.terminalIds, hasEvents: summary.hasEvents, receivedAt: deps.clock(),
    }).onConflictDoNothing().returning({ index: recordingChunks.index });
    if (rows.length === 0) return false;
    await tx.update(sessionRecordings).set(totalsAfter(summary, index, opened.final)).where(eq(sessionRecordings.sessionId, session.id));
    return true;
  });
  if (!inserted) {
    // Another server stored this index between our read and our insert: same rule as a retry.
    return answerForExisting((await storedChunkHash(deps, session.id, index))!, session.id, index, sha256);
  }
  return { index, sha256, size: body.length, final: opened.final, duplicate: false };
}

function totalsAfter(summary: ChunkSummary, index: number, final: boolean) {
  const t = sessionRecordings;
  return {
    chunkCount: sql`${t.chunkCount} + 1`,
    terminalBytes: sql`${t.terminalBytes} + ${summary.terminalBytes}`,
    eventCount: sql`${t.eventCount} + ${summary.eventCount}`,
    terminalCount: sql`${t.terminalCount} + ${summary.terminalsOpened}`,
    ...(summary.lastExitCode !== undefined ? {
      lastExitCode: sql`case when coalesce(${t.lastExitChunk}, -1) <= ${index} then ${summary.lastExitCode} else ${t.lastExitCode} end`,
      lastExitChunk: sql`greatest(coalesce(${t.lastExitChunk}, -1), ${index})`,
    } : {}),
    ...(final ? { finalIndex: index } : {}),
    ...(summary.firstAt ? { firstAt: sql`least(coalesce(${t.firstAt}, ${summary.firstAt.toISOString()}::timestamptz), ${summary.firstAt.toISOString()}::timestamptz)` } : {}),
    ...(summary.lastAt ? { lastAt: sql`greatest(coalesce(${t.lastAt}, ${summary.lastAt.toISOString()}::timestamptz), ${summary.lastAt.toISOString()}::timestamptz)` } : {}),
  };
}

async function storedChunkHash(deps: CaStoreDeps, sessionId: string, index: number) {
  const [row] = await deps.db.select({ sha256: recordingChunks.sha256, size: recordingChunks.size, final: recordingChunks.final }).from(recordingChunks)
    .where(and(eq(recordingChunks.sessionId, sessionId), eq(recordingChunks.index, index))).limit(1);
  return row;
}

function answerForExisting(existing: { sha256: string; size: number; final: boolean }, sessionId: string, index: number, sha256: string): StoredChunk {
  if (existing.sha256 !== sha256) throw new RecordingChunkConflictError(sessionId, index, existing.sha256);
  return { index, sha256, size: existing.size, final: existing.final, duplicate: true };
}
