import { z } from '../../http/schemas.ts';
import { Timestamp, iso } from '../../http/schemas.ts';
import type { SessionSummary } from '../../services/recordings-review.ts';

export const SessionIdParams = z.object({ sessionId: z.uuid().openapi({ param: { name: 'sessionId', in: 'path' } }) });

export const SessionSummarySchema = z.object({
  sessionId: z.uuid(),
  orgId: z.uuid(),
  projectId: z.uuid(),
  gatewayId: z.uuid().nullable(),
  status: z.enum(['active', 'expired', 'ended', 'terminated']),
  startedAt: Timestamp,
  expiresAt: Timestamp,
  endedAt: Timestamp.nullable().openapi({ description: 'When it ended, was terminated or expired; null while active' }),
  user: z.object({ id: z.uuid(), email: z.string() }).nullable(),
  resource: z.object({ id: z.uuid(), name: z.string(), type: z.enum(['ssh', 'kubernetes']) }).nullable(),
  account: z.object({ id: z.uuid(), name: z.string(), username: z.string().nullable() }).nullable(),
  recording: z.object({
    chunks: z.number().int(),
    terminalBytes: z.number().int(),
    terminals: z.number().int(),
    events: z.number().int(),
    exitCode: z.number().int().nullable().openapi({ description: 'Exit code of the last terminal that closed' }),
    complete: z.boolean().openapi({ description: 'The final chunk and every chunk before it are stored' }),
    firstAt: Timestamp.nullable(),
    lastAt: Timestamp.nullable(),
  }).nullable(),
}).openapi('SessionSummary');

export function sessionSummaryBody(summary: SessionSummary): z.infer<typeof SessionSummarySchema> {
  const { session, recording } = summary;
  return {
    sessionId: session.id, orgId: session.orgId, projectId: session.projectId, gatewayId: session.gatewayId, status: summary.status,
    startedAt: iso(session.startedAt), expiresAt: iso(session.expiresAt), endedAt: summary.endAt ? iso(summary.endAt) : null,
    user: summary.user, resource: summary.resource, account: summary.account,
    recording: recording ? { ...recording, firstAt: recording.firstAt ? iso(recording.firstAt) : null, lastAt: recording.lastAt ? iso(recording.lastAt) : null } : null,
  };
}
