/** Listing sessions and reading one session's metadata: reviewers see their projects' sessions, everyone else their own. */
import { createRoute } from '@hono/zod-openapi';
import { requireAuth } from '../../http/auth.ts';
import { bearerAuth, errorResponses, jsonResponse, type App } from '../../http/openapi.ts';
import { Timestamp, iso, z } from '../../http/schemas.ts';
import { listSessions, sessionSummary } from '../../services/recordings-review.ts';
import { SessionIdParams, SessionSummarySchema, sessionSummaryBody } from './schemas.ts';

const base = { tags: ['recordings'], middleware: [requireAuth], security: bearerAuth };
const DEFAULT_LIMIT = 50;

const ListQuery = z.object({
  orgId: z.uuid(),
  projectId: z.uuid().optional(),
  userId: z.uuid().optional(),
  resourceId: z.uuid().optional(),
  type: z.enum(['ssh', 'kubernetes']).optional(),
  from: Timestamp.optional().openapi({ description: 'Sessions that started at or after this time' }),
  to: Timestamp.optional().openapi({ description: 'Sessions that started at or before this time' }),
  before: Timestamp.optional().openapi({ description: 'Next page: the nextBefore of the previous answer' }),
  beforeId: z.uuid().optional().openapi({ description: 'Next page, with before: the nextBeforeId of the previous answer (sessions that started in the same millisecond are then neither skipped nor repeated)' }),
  limit: z.coerce.number().int().min(1).max(200).default(DEFAULT_LIMIT),
});

const ListResponse = z.object({
  sessions: z.array(SessionSummarySchema),
  nextBefore: Timestamp.nullable().openapi({ description: 'Pass as before for the next page; null on the last page' }),
  nextBeforeId: z.uuid().nullable().openapi({ description: 'Pass as beforeId, with before, for the next page; null on the last page' }),
}).openapi('SessionList');

const SessionResponse = SessionSummarySchema.extend({
  canReview: z.boolean().openapi({ description: 'Whether the caller may play back this session (project admin/auditor, org owner/admin)' }),
}).openapi('SessionDetail');

const listRoute = createRoute({
  ...base, method: 'get', path: '/api/v1/pam/sessions', summary: "List an org's sessions the caller may see, newest first",
  request: { query: ListQuery },
  responses: { 200: jsonResponse(ListResponse, 'The sessions'), ...errorResponses(400, 401, 404) },
});
const showRoute = createRoute({
  ...base, method: 'get', path: '/api/v1/pam/sessions/{sessionId}', summary: 'One session: who, what, when, how it ended, what was recorded',
  request: { params: SessionIdParams },
  responses: { 200: jsonResponse(SessionResponse, 'The session'), ...errorResponses(400, 401, 404) },
});

const dateOf = (value: string | undefined) => (value ? new Date(value) : undefined);

export function register(app: App): void {
  app.openapi(listRoute, async (c) => {
    const q = c.req.valid('query');
    const sessions = await listSessions(c.var.deps, c.var.principal, { ...q, from: dateOf(q.from), to: dateOf(q.to), before: dateOf(q.before) });
    const last = sessions.length === q.limit ? sessions.at(-1) : undefined;
    return c.json({
      sessions: sessions.map(sessionSummaryBody),
      nextBefore: last ? iso(last.session.startedAt) : null,
      nextBeforeId: last ? last.session.id : null,
    }, 200);
  });
  app.openapi(showRoute, async (c) => {
    const summary = await sessionSummary(c.var.deps, c.var.principal, c.req.valid('param').sessionId);
    return c.json({ ...sessionSummaryBody(summary), canReview: summary.canReview }, 200);
  });
}
