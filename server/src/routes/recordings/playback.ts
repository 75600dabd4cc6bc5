/**
 * Reviewers only (project admin/auditor, org owner/admin): a session's structured events with its
 * terminal index, one terminal as an asciicast v2 file, and the Kubernetes command timeline.
 */
import { createRoute } from '@hono/zod-openapi';
import { formatAsciicast } from '@postern/shared/recording/asciicast';
import { terminalAsciicast } from '@postern/shared/recording/assemble';
import { kubernetesTimeline } from '@postern/shared/recording/kubernetes-timeline';
import { requireAuth } from '../../http/auth.ts';
import { bearerAuth, errorResponses, jsonResponse, type App } from '../../http/openapi.ts';
import { Timestamp, z } from '../../http/schemas.ts';
import { readRecording } from '../../services/recordings-review.ts';
import { SessionIdParams } from './schemas.ts';

const base = { tags: ['recordings'], middleware: [requireAuth], security: bearerAuth };
const isoAt = (ms: number) => new Date(ms).toISOString();

const TerminalIndexEntry = z.object({
  terminal: z.number().int(),
  command: z.string().nullable().openapi({ description: 'The exec command; null for an interactive shell' }),
  cols: z.number().int(),
  rows: z.number().int(),
  openedAt: Timestamp,
  closedAt: Timestamp.nullable(),
  exitCode: z.number().int().nullable(),
  bytesOut: z.number().int(),
  bytesIn: z.number().int(),
  durationSeconds: z.number(),
});

const EventsResponse = z.object({
  sessionId: z.uuid(),
  complete: z.boolean(),
  missingChunks: z.array(z.number().int()),
  terminals: z.array(TerminalIndexEntry),
  events: z.array(z.object({ at: Timestamp, event: z.record(z.string(), z.unknown()) })),
}).openapi('SessionRecordingEvents');

const KubernetesLine = z.object({
  at: Timestamp, verb: z.string(), method: z.string(), path: z.string(), namespace: z.string().nullable(), resource: z.string().nullable(),
  name: z.string().nullable(), status: z.number().int(), durationMs: z.number(), command: z.string().nullable(),
});
const KubernetesResponse = z.object({
  sessionId: z.uuid(),
  commands: z.array(z.object({
    kubectlSession: z.string().nullable(), command: z.string(), startedAt: Timestamp, endedAt: Timestamp,
    requests: z.number().int(), failed: z.number().int(), actions: z.array(KubernetesLine),
  })),
}).openapi('KubernetesCommandTimeline');

const eventsRoute = createRoute({
  ...base, method: 'get', path: '/api/v1/pam/sessions/{sessionId}/recording/events', summary: "A session's structured events and terminal index (reviewers)",
  request: { params: SessionIdParams },
  responses: { 200: jsonResponse(EventsResponse, 'Events and terminals'), ...errorResponses(400, 401, 403, 404) },
});
const asciicastRoute = createRoute({
  ...base, method: 'get', path: '/api/v1/pam/sessions/{sessionId}/recording/terminals/{terminal}/asciicast', summary: 'One terminal as asciicast v2 (reviewers); plays in asciinema',
  request: { params: SessionIdParams.extend({ terminal: z.coerce.number().int().min(0).max(0xffff_ffff).openapi({ param: { name: 'terminal', in: 'path' } }) }) },
  responses: { 200: { description: 'asciicast v2', content: { 'application/x-asciicast': { schema: z.string() } } }, ...errorResponses(400, 401, 403, 404) },
});
const kubernetesRoute = createRoute({
  ...base, method: 'get', path: '/api/v1/pam/sessions/{sessionId}/recording/kubernetes', summary: 'Kubernetes command timeline: requests grouped by kubectl run (reviewers)',
  request: { params: SessionIdParams },
  responses: { 200: jsonResponse(KubernetesResponse, 'The timeline'), ...errorResponses(400, 401, 403, 404) },
});

export function register(app: App): void {
  app.openapi(eventsRoute, async (c) => {
    const recording = await readRecording(c.var.deps, c.var.principal, c.req.valid('param').sessionId);
    return c.json({
      sessionId: recording.session.id, complete: recording.complete, missingChunks: recording.missingChunks,
      terminals: recording.terminals.map((t) => ({
        terminal: t.id, command: t.start.command ?? null, cols: t.start.cols, rows: t.start.rows, openedAt: isoAt(t.openedAt),
        closedAt: t.closedAt === null ? null : isoAt(t.closedAt), exitCode: t.exitCode, bytesOut: t.bytesOut, bytesIn: t.bytesIn,
        durationSeconds: terminalAsciicast(t).header.duration ?? 0,
      })),
      events: recording.events.map(({ at, event }) => ({ at: isoAt(at), event })),
    }, 200);
  });
  app.openapi(asciicastRoute, async (c) => {
    const { sessionId, terminal } = c.req.valid('param');
    const recording = await readRecording(c.var.deps, c.var.principal, sessionId, terminal);
    const cast = terminalAsciicast(recording.terminals[0]!, `postern session ${sessionId} terminal ${terminal}`);
    return c.body(formatAsciicast(cast), 200, { 'content-type': 'application/x-asciicast; charset=utf-8', 'content-disposition': `attachment; filename="${sessionId}-${terminal}.cast"` });
  });
  app.openapi(kubernetesRoute, async (c) => {
    const recording = await readRecording(c.var.deps, c.var.principal, c.req.valid('param').sessionId);
    const commands = kubernetesTimeline(recording.events).map((run) => ({
      ...run, startedAt: isoAt(run.startedAt), endedAt: isoAt(run.endedAt), actions: run.actions.map((line) => ({ ...line, at: isoAt(line.at) })),
    }));
    return c.json({ sessionId: recording.session.id, commands }, 200);
  });
}
