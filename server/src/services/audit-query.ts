import { and, desc, eq, gte, inArray, lt, lte, type SQL } from 'drizzle-orm';
import { ValidationError } from '@postern/shared/errors';
import type { DbOrTx } from '../db/client.ts';
import { auditLogs, type AuditLog } from '../db/schema/index.ts';

/**
 * Reads the audit log newest first, with keyset pagination on the insertion sequence: the cursor
 * is the `seq` of the last row returned, so pages stay stable while new events arrive.
 */

export interface AuditQuery {
  orgId: string;
  /** undefined: every row of the org; a list: only rows of these projects (may be empty → nothing). */
  visibleProjectIds: string[] | undefined;
  projectId?: string | undefined;
  action?: string | undefined;
  actorId?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  cursor?: string | undefined;
  limit: number;
}

export interface AuditPage { items: AuditLog[]; nextCursor: string | null }

export function encodeCursor(row: Pick<AuditLog, 'seq'>): string {
  return Buffer.from(`seq:${row.seq}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): number {
  const match = /^seq:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match?.[1]) {
    throw new ValidationError('The cursor is not one this server issued; pass nextCursor from the previous page unchanged.', { fields: ['cursor'] });
  }
  return Number(match[1]);
}

/** `action` ending in `.*` matches the whole family (`auth.*`); otherwise it is exact. */
function actionFilter(action: string): SQL {
  if (!action.endsWith('.*')) return eq(auditLogs.action, action);
  const prefix = action.slice(0, -1);
  return and(gte(auditLogs.action, prefix), lt(auditLogs.action, `${prefix}\uffff`))!;
}

export async function queryAuditLog(db: DbOrTx, query: AuditQuery): Promise<AuditPage> {
  if (query.visibleProjectIds && query.visibleProjectIds.length === 0) return { items: [], nextCursor: null };
  const cursor = query.cursor ? decodeCursor(query.cursor) : undefined;
  const conditions = [
    eq(auditLogs.orgId, query.orgId),
    query.visibleProjectIds ? inArray(auditLogs.projectId, query.visibleProjectIds) : undefined,
    query.projectId ? eq(auditLogs.projectId, query.projectId) : undefined,
    query.action ? actionFilter(query.action) : undefined,
    query.actorId ? eq(auditLogs.actorId, query.actorId) : undefined,
    query.from ? gte(auditLogs.createdAt, query.from) : undefined,
    query.to ? lte(auditLogs.createdAt, query.to) : undefined,
    cursor !== undefined ? lt(auditLogs.seq, cursor) : undefined,
  ];
  const rows = await db.select().from(auditLogs).where(and(...conditions))
    .orderBy(desc(auditLogs.seq)).limit(query.limit + 1);
  const items = rows.slice(0, query.limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > query.limit && last ? encodeCursor(last) : null };
}
