/**
 * Reviewing sessions: the list (scoped by recordings-access.ts), one session's metadata, and for
 * reviewers the content — decrypted here from the stored chunks, assembled into per-terminal
 * asciicasts and the structured event list. Every content read is audited.
 */
import { and, desc, eq, gte, inArray, lt, lte, or, type SQL } from 'drizzle-orm';
import { ForbiddenError, NotFoundError } from '@postern/shared/errors';
import { openChunk } from '@postern/shared/recording/chunk';
import { RecordingAssembler, type AssembledRecording } from '@postern/shared/recording/assemble';
import { decodeRecords } from '@postern/shared/recording/records';
import {
  accounts, pamSessions, recordingChunks, resources, sessionRecordings, users,
  type PamSessionRow, type ResourceRow, type SessionRecordingRow,
} from '../db/schema/index.ts';
import type { Principal } from '../http/principal.ts';
import { recordAudit } from './audit.ts';
import type { CaStoreDeps } from './pki/ca-store.ts';
import { effectiveStatus, type EffectiveSessionStatus } from './pki/sessions.ts';
import { listScopeOf, visibleSession } from './recordings-access.ts';
import { storedRecordingKey } from './recordings.ts';

export interface SessionListFilters {
  orgId: string;
  projectId?: string | undefined;
  userId?: string | undefined;
  resourceId?: string | undefined;
  type?: ResourceRow['type'] | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  /** Sessions that started before this time (the previous page's last startedAt). */
  before?: Date | undefined;
  /**
   * With before: the previous page's last session id, making the cursor a keyset on the list's
   * order (startedAt, id), so sessions that started in the same millisecond across a page
   * boundary are neither skipped nor repeated.
   */
  beforeId?: string | undefined;
  limit: number;
}

export interface RecordingSummary {
  chunks: number;
  terminalBytes: number;
  terminals: number;
  events: number;
  exitCode: number | null;
  complete: boolean;
  firstAt: Date | null;
  lastAt: Date | null;
}

export interface SessionSummary {
  session: PamSessionRow;
  status: EffectiveSessionStatus;
  endAt: Date | null;
  user: { id: string; email: string } | null;
  resource: { id: string; name: string; type: ResourceRow['type'] } | null;
  account: { id: string; name: string; username: string | null } | null;
  recording: RecordingSummary | null;
}

function recordingSummaryOf(row: SessionRecordingRow | null): RecordingSummary | null {
  if (!row) return null;
  return {
    chunks: row.chunkCount, terminalBytes: row.terminalBytes, terminals: row.terminalCount, events: row.eventCount, exitCode: row.lastExitCode,
    complete: row.finalIndex !== null && row.chunkCount === row.finalIndex + 1, firstAt: row.firstAt, lastAt: row.lastAt,
  };
}

/** Rows after (startedAt, id) in the list's order: startedAt descending, then id descending. */
function afterInListOrder(startedAt: Date, id: string): SQL {
  return or(lt(pamSessions.startedAt, startedAt), and(eq(pamSessions.startedAt, startedAt), lt(pamSessions.id, id)))!;
}

function listConditions(filters: SessionListFilters): SQL[] {
  const conditions: SQL[] = [eq(pamSessions.orgId, filters.orgId)];
  if (filters.projectId) conditions.push(eq(pamSessions.projectId, filters.projectId));
  if (filters.userId) conditions.push(eq(pamSessions.userId, filters.userId));
  if (filters.resourceId) conditions.push(eq(pamSessions.resourceId, filters.resourceId));
  if (filters.type) conditions.push(eq(resources.type, filters.type));
  if (filters.from) conditions.push(gte(pamSessions.startedAt, filters.from));
  if (filters.to) conditions.push(lte(pamSessions.startedAt, filters.to));
  if (filters.before) conditions.push(filters.beforeId ? afterInListOrder(filters.before, filters.beforeId) : lt(pamSessions.startedAt, filters.before));
  return conditions;
}

const summaryColumns = {
  session: pamSessions, recording: sessionRecordings,
  userId: users.id, userEmail: users.email,
  resourceId: resources.id, resourceName: resources.name, resourceType: resources.type,
  accountId: accounts.id, accountName: accounts.name, accountUsername: accounts.username,
};

async function selectSummaries(deps: CaStoreDeps, where: SQL | undefined, limit: number): Promise<SessionSummary[]> {
  const rows = await deps.db.select(summaryColumns).from(pamSessions)
    .leftJoin(sessionRecordings, eq(sessionRecordings.sessionId, pamSessions.id))
    .leftJoin(users, eq(users.id, pamSessions.userId))
    .leftJoin(resources, and(eq(resources.id, pamSessions.resourceId), eq(resources.orgId, pamSessions.orgId)))
    .leftJoin(accounts, and(eq(accounts.id, pamSessions.accountId), eq(accounts.orgId, pamSessions.orgId)))
    .where(where).orderBy(desc(pamSessions.startedAt), desc(pamSessions.id)).limit(limit);
  const now = deps.clock();
  return rows.map((row) => {
    const status = effectiveStatus(row.session, now);
    return {
      session: row.session, status,
      endAt: row.session.endedAt ?? (status === 'expired' ? row.session.expiresAt : null),
      user: row.userId ? { id: row.userId, email: row.userEmail! } : null,
      resource: row.resourceId ? { id: row.resourceId, name: row.resourceName!, type: row.resourceType! } : null,
      account: row.accountId ? { id: row.accountId, name: row.accountName!, username: row.accountUsername } : null,
      recording: recordingSummaryOf(row.recording),
    };
  });
}

/** The sessions of an org the caller may see, newest first, with the filters applied. */
export async function listSessions(deps: CaStoreDeps, principal: Principal, filters: SessionListFilters): Promise<SessionSummary[]> {
  const scope = await listScopeOf(deps.db, principal, filters.orgId);
  if (!scope) throw new NotFoundError('org', filters.orgId);
  const visible: SQL[] = [];
  if (scope.reviewProjectIds.length > 0) visible.push(inArray(pamSessions.projectId, scope.reviewProjectIds));
  if (scope.ownUserId) visible.push(eq(pamSessions.userId, scope.ownUserId));
  if (!scope.allOfOrg && visible.length === 0) return [];
  const where = and(...listConditions(filters), ...(scope.allOfOrg ? [] : [or(...visible)!]));
  return selectSummaries(deps, where, filters.limit);
}

export async function sessionSummary(deps: CaStoreDeps, principal: Principal, sessionId: string): Promise<SessionSummary & { canReview: boolean }> {
  const { access } = await visibleSession(deps.db, principal, sessionId);
  const [summary] = await selectSummaries(deps, eq(pamSessions.id, sessionId), 1);
  return { ...summary!, canReview: access === 'review' };
}

export interface RecordingContent extends AssembledRecording {
  session: PamSessionRow;
  /** Chunk indexes never received (lost in a gateway crash, or still on their way). */
  missingChunks: number[];
  complete: boolean;
}

/** Decrypts and assembles a session's recording (or one terminal of it) for a reviewer; audited. */
export async function readRecording(deps: CaStoreDeps, principal: Principal, sessionId: string, onlyTerminal?: number): Promise<RecordingContent> {
  const { session, access } = await visibleSession(deps.db, principal, sessionId);
  if (access !== 'review') {
    throw new ForbiddenError('Playing back a recording needs the project role admin or auditor (or org owner/admin); you may see this session\'s metadata only.', { sessionId });
  }
  const key = await storedRecordingKey(deps, session);
  const [recording] = await deps.db.select().from(sessionRecordings).where(eq(sessionRecordings.sessionId, session.id)).limit(1);
  if (!key || !recording) throw new NotFoundError('recording', sessionId);
  // Every chunk, also for one terminal: terminals are numbered in the order they opened across the whole session.
  const chunks = await deps.db.select({ index: recordingChunks.index, sealed: recordingChunks.sealed }).from(recordingChunks)
    .where(eq(recordingChunks.sessionId, session.id)).orderBy(recordingChunks.index);
  const assembler = new RecordingAssembler(onlyTerminal);
  for (const chunk of chunks) assembler.add(decodeRecords(openChunk(key, session.id, chunk.sealed).plaintext));
  const assembled = assembler.finish();
  if (onlyTerminal !== undefined && !assembled.terminals.some((t) => t.id === onlyTerminal)) throw new NotFoundError('terminal', String(onlyTerminal));
  await recordAudit(deps.db, {
    orgId: session.orgId, projectId: session.projectId, actor: principal, action: 'session.recording.view', targetType: 'session', targetId: session.id,
    details: { ...(onlyTerminal === undefined ? {} : { terminal: onlyTerminal }) }, at: deps.clock(),
  });
  return { ...assembled, session, missingChunks: await missingChunkIndexes(deps, recording), complete: recordingSummaryOf(recording)!.complete };
}

async function missingChunkIndexes(deps: CaStoreDeps, recording: SessionRecordingRow): Promise<number[]> {
  const rows = await deps.db.select({ index: recordingChunks.index }).from(recordingChunks).where(eq(recordingChunks.sessionId, recording.sessionId));
  const have = new Set(rows.map((row) => row.index));
  const last = Math.max(recording.finalIndex ?? -1, ...have);
  const missing: number[] = [];
  for (let i = 0; i <= last && missing.length < 1_000; i += 1) if (!have.has(i)) missing.push(i);
  return missing;
}
