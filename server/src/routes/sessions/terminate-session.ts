/**
 * Live session control. An admin of the session's project ends a session now (audited in the
 * same transaction); the session's gateway keeps a long-poll open that answers as soon as one of
 * the sessions it serves is no longer active, so it closes them within a second.
 */
import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { and, eq, inArray } from 'drizzle-orm';
import { ConflictError, ForbiddenError, NotFoundError, PosternError } from '@postern/shared/errors';
import { gateways, pamSessions } from '../../db/schema/index.ts';
import type { AppEnv } from '../../deps.ts';
import { principalOf, requireAuth } from '../../http/auth.ts';
import { bearerAuth, errorResponses, jsonBody, jsonResponse, type App } from '../../http/openapi.ts';
import { Timestamp, iso, z } from '../../http/schemas.ts';
import { recordAudit } from '../../services/audit.ts';
import { requireProjectRole } from '../../services/authorization.ts';
import { effectiveStatus } from '../../services/pki/sessions.ts';
import { announceSessionEnd, waitForSessionEnd } from './session-end-signal.ts';

/** How often the watch loop re-reads the database: the bound on termination latency across servers. */
export const WATCH_POLL_MS = 250;
const MAX_WAIT_SECONDS = 30;
const MAX_WATCHED = 1_000;

const params = z.object({ sessionId: z.uuid().openapi({ param: { name: 'sessionId', in: 'path' } }) });
const base = { tags: ['sessions'], middleware: [requireAuth], security: bearerAuth };
const SessionStatus = z.enum(['active', 'expired', 'ended', 'terminated', 'unknown']);

const TerminateResponse = z.object({ sessionId: z.uuid(), status: z.literal('terminated'), terminatedAt: Timestamp }).openapi('TerminatedSession');
const WatchRequest = z.object({
  sessionIds: z.array(z.uuid()).min(1).max(MAX_WATCHED),
  waitSeconds: z.number().min(0).max(MAX_WAIT_SECONDS).default(25),
}).strict().openapi('WatchSessionsRequest');
const WatchResponse = z.object({
  ended: z.array(z.object({ sessionId: z.uuid(), status: SessionStatus })),
}).openapi('WatchSessionsResponse');

const terminateRoute = createRoute({
  ...base, method: 'post', path: '/api/v1/pam/sessions/{sessionId}/terminate', summary: "End a live session now (admin of the session's project)",
  request: { params },
  responses: { 200: jsonResponse(TerminateResponse, 'The session is terminated; its gateway closes it within a second'), ...errorResponses(400, 401, 403, 404, 409) },
});
const watchRoute = createRoute({
  ...base, method: 'post', path: '/api/v1/pam/sessions/watch',
  summary: 'Long-poll (gateways): answers as soon as any of the given sessions is no longer active, or empty after waitSeconds',
  request: { body: jsonBody(WatchRequest) },
  responses: { 200: jsonResponse(WatchResponse, 'The sessions among those given that ended (unknown = not a session of this gateway)'), ...errorResponses(400, 401, 403) },
});

async function requireSessionAdmin(c: Context<AppEnv>, sessionId: string) {
  const [session] = await c.var.deps.db.select().from(pamSessions).where(eq(pamSessions.id, sessionId)).limit(1);
  if (!session) throw new NotFoundError('session', sessionId);
  try {
    await requireProjectRole(c, session.projectId, ['admin']);
  } catch (error) {
    // A session in a project the caller cannot see is "no such session", as for resources and accounts.
    if (error instanceof PosternError && error.code === 'project_not_found') throw new NotFoundError('session', sessionId);
    throw error;
  }
  return session;
}

async function terminate(c: Context<AppEnv>, sessionId: string) {
  const { db, clock } = c.var.deps;
  const principal = principalOf(c);
  const session = await requireSessionAdmin(c, sessionId);
  const now = clock();
  const status = effectiveStatus(session, now);
  if (status !== 'active') throw new ConflictError(`Session ${sessionId} is already ${status}; there is nothing to terminate.`, { sessionId, status });
  const updated = await db.transaction(async (tx) => {
    const [row] = await tx.update(pamSessions).set({ status: 'terminated', terminatedAt: now, endedAt: now })
      .where(and(eq(pamSessions.id, sessionId), eq(pamSessions.status, 'active'))).returning();
    if (!row) return undefined;
    await recordAudit(tx, {
      orgId: session.orgId, projectId: session.projectId, actor: principal, action: 'session.terminate', targetType: 'session', targetId: session.id,
      details: { gatewayId: session.gatewayId, resourceId: session.resourceId, accountId: session.accountId, userId: session.userId }, at: now,
    });
    return row;
  });
  if (!updated) throw new ConflictError(`Session ${sessionId} ended while it was being terminated.`, { sessionId });
  announceSessionEnd(db, sessionId);
  return { sessionId, status: 'terminated' as const, terminatedAt: iso(now) };
}

/** The watched sessions that are not active (or not this machine's gateways' sessions at all). */
async function endedAmong(c: Context<AppEnv>, sessionIds: readonly string[]) {
  const { db, clock } = c.var.deps;
  const principal = principalOf(c);
  if (principal.kind !== 'machine') throw new ForbiddenError("Only a gateway's machine identity watches sessions: sign in with POST /api/v1/auth/machine-identity/login.");
  const own = db.select({ id: gateways.id }).from(gateways).where(and(eq(gateways.orgId, principal.orgId), eq(gateways.machineIdentityId, principal.identityId)));
  const rows = await db.select().from(pamSessions)
    .where(and(inArray(pamSessions.id, [...sessionIds]), eq(pamSessions.orgId, principal.orgId), inArray(pamSessions.gatewayId, own)));
  const now = clock();
  const byId = new Map(rows.map((row) => [row.id, effectiveStatus(row, now)]));
  return sessionIds.flatMap((sessionId): Array<{ sessionId: string; status: z.infer<typeof SessionStatus> }> => {
    const status = byId.get(sessionId) ?? 'unknown';
    return status === 'active' ? [] : [{ sessionId, status }];
  });
}

async function watch(c: Context<AppEnv>, sessionIds: readonly string[], waitSeconds: number) {
  const unique = [...new Set(sessionIds)];
  const deadline = Date.now() + waitSeconds * 1000;
  const abort = c.req.raw.signal;
  for (;;) {
    const ended = await endedAmong(c, unique);
    const left = deadline - Date.now();
    if (ended.length > 0 || left <= 0 || abort?.aborted) return { ended };
    await waitForSessionEnd(c.var.deps.db, Math.min(WATCH_POLL_MS, left), abort);
  }
}

export function register(app: App): void {
  app.openapi(terminateRoute, async (c) => c.json(await terminate(c, c.req.valid('param').sessionId), 200));
  app.openapi(watchRoute, async (c) => {
    const body = c.req.valid('json');
    return c.json(await watch(c, body.sessionIds, body.waitSeconds), 200);
  });
}
