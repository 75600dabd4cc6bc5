/**
 * A user ends their own session when they are done (closed the tab, typed `exit`, pressed
 * Ctrl-C): status 'ended', audited in the same transaction, and the gateways' watch is woken so
 * the gateway closes the session's connections and completes its recording at once instead of
 * at the session's end time. 'ended' is the user's own end; 'terminated' is an admin's.
 */
import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { and, eq } from 'drizzle-orm';
import { ConflictError, NotFoundError } from '@postern/shared/errors';
import { pamSessions } from '../../db/schema/index.ts';
import type { AppEnv } from '../../deps.ts';
import { principalOf, requireAuth } from '../../http/auth.ts';
import { bearerAuth, errorResponses, jsonResponse, type App } from '../../http/openapi.ts';
import { Timestamp, iso, z } from '../../http/schemas.ts';
import { recordAudit } from '../../services/audit.ts';
import { effectiveStatus } from '../../services/pki/sessions.ts';
import { announceSessionEnd } from './session-end-signal.ts';

const params = z.object({ sessionId: z.uuid().openapi({ param: { name: 'sessionId', in: 'path' } }) });
const EndResponse = z.object({ sessionId: z.uuid(), status: z.literal('ended'), endedAt: Timestamp }).openapi('EndedSession');

const endRoute = createRoute({
  method: 'post', path: '/api/v1/pam/sessions/{sessionId}/end', tags: ['sessions'], middleware: [requireAuth], security: bearerAuth,
  summary: 'End your own session now (the user who opened it; admins use terminate)',
  description: "Any other caller gets 404, whatever their role: a session that is not the caller's own is not revealed. "
    + '409 names the status of a session that is no longer active (already ended, expired or terminated).',
  request: { params },
  responses: { 200: jsonResponse(EndResponse, 'The session is ended; its gateway closes it and completes the recording within a second'), ...errorResponses(400, 401, 404, 409) },
});

/** The caller's own session, or 404: machine identities open no sessions, so they own none. */
async function requireOwnSession(c: Context<AppEnv>, sessionId: string) {
  const principal = principalOf(c);
  if (principal.kind !== 'user') throw new NotFoundError('session', sessionId);
  const [session] = await c.var.deps.db.select().from(pamSessions)
    .where(and(eq(pamSessions.id, sessionId), eq(pamSessions.userId, principal.userId))).limit(1);
  if (!session) throw new NotFoundError('session', sessionId);
  return session;
}

async function endOwnSession(c: Context<AppEnv>, sessionId: string) {
  const { db, clock } = c.var.deps;
  const session = await requireOwnSession(c, sessionId);
  const now = clock();
  const status = effectiveStatus(session, now);
  if (status !== 'active') throw new ConflictError(`Session ${sessionId} is already ${status}; there is nothing to end.`, { sessionId, status });
  const updated = await db.transaction(async (tx) => {
    // The status condition makes a concurrent terminate or second end lose cleanly (409 below).
    const [row] = await tx.update(pamSessions).set({ status: 'ended', endedAt: now })
      .where(and(eq(pamSessions.id, sessionId), eq(pamSessions.status, 'active'))).returning();
    if (!row) return undefined;
    await recordAudit(tx, {
      orgId: session.orgId, projectId: session.projectId, actor: principalOf(c), action: 'session.end', targetType: 'session', targetId: session.id,
      details: { gatewayId: session.gatewayId, resourceId: session.resourceId, accountId: session.accountId }, at: now,
    });
    return row;
  });
  if (!updated) throw new ConflictError(`Session ${sessionId} ended another way while it was being ended.`, { sessionId });
  announceSessionEnd(db, sessionId);
  return { sessionId, status: 'ended' as const, endedAt: iso(now) };
}

export function register(app: App): void {
  app.openapi(endRoute, async (c) => c.json(await endOwnSession(c, c.req.valid('param').sessionId), 200));
}
