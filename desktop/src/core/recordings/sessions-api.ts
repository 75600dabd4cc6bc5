/**
 * The desktop's calls to the session review API (list, show, events, asciicast, Kubernetes
 * timeline), each answer parsed so a server that sends something else fails here, loudly.
 */
import { z } from 'zod';
import { parseAsciicast, type Asciicast } from '@postern/shared/recording/asciicast';
import type { ApiClient } from '../api-client.ts';

const zRecordingSummary = z.object({
  chunks: z.number(), terminalBytes: z.number(), terminals: z.number(), events: z.number(),
  exitCode: z.number().nullable(), complete: z.boolean(), firstAt: z.string().nullable(), lastAt: z.string().nullable(),
});

export const zSessionSummary = z.object({
  sessionId: z.string(),
  orgId: z.string(),
  projectId: z.string(),
  gatewayId: z.string().nullable(),
  status: z.enum(['active', 'expired', 'ended', 'terminated']),
  startedAt: z.string(),
  expiresAt: z.string(),
  endedAt: z.string().nullable(),
  user: z.object({ id: z.string(), email: z.string() }).nullable(),
  resource: z.object({ id: z.string(), name: z.string(), type: z.enum(['ssh', 'kubernetes']) }).nullable(),
  account: z.object({ id: z.string(), name: z.string(), username: z.string().nullable() }).nullable(),
  recording: zRecordingSummary.nullable(),
});
export type SessionSummary = z.infer<typeof zSessionSummary>;

const zSessionList = z.object({ sessions: z.array(zSessionSummary), nextBefore: z.string().nullable(), nextBeforeId: z.string().nullable() });
const zSessionDetail = zSessionSummary.extend({ canReview: z.boolean() });
export type SessionDetail = z.infer<typeof zSessionDetail>;

const zTerminalEntry = z.object({
  terminal: z.number(), command: z.string().nullable(), cols: z.number(), rows: z.number(), openedAt: z.string(), closedAt: z.string().nullable(),
  exitCode: z.number().nullable(), bytesOut: z.number(), bytesIn: z.number(), durationSeconds: z.number(),
});
const zRecordingEvents = z.object({
  sessionId: z.string(), complete: z.boolean(), missingChunks: z.array(z.number()), terminals: z.array(zTerminalEntry),
  events: z.array(z.object({ at: z.string(), event: z.record(z.string(), z.unknown()) })),
});
export type RecordingEvents = z.infer<typeof zRecordingEvents>;

const zKubernetesTimeline = z.object({
  sessionId: z.string(),
  commands: z.array(z.object({
    kubectlSession: z.string().nullable(), command: z.string(), startedAt: z.string(), endedAt: z.string(), requests: z.number(), failed: z.number(),
    actions: z.array(z.object({ at: z.string(), verb: z.string(), method: z.string(), path: z.string(), status: z.number() }).passthrough()),
  })),
});
export type KubernetesTimeline = z.infer<typeof zKubernetesTimeline>;

export interface SessionListQuery {
  orgId: string;
  projectId?: string | undefined;
  userId?: string | undefined;
  resourceId?: string | undefined;
  type?: 'ssh' | 'kubernetes' | undefined;
  from?: string | undefined;
  to?: string | undefined;
  before?: string | undefined;
  /** With before: the previous page's nextBeforeId (a keyset cursor on startedAt, id). */
  beforeId?: string | undefined;
  limit?: number | undefined;
}

const id = (value: string) => encodeURIComponent(value);
const sessionPath = (sessionId: string) => `/api/v1/pam/sessions/${id(sessionId)}`;

export const sessionsApi = {
  list: (api: ApiClient, query: SessionListQuery) =>
    api.request('GET', '/api/v1/pam/sessions', { query: { ...query, limit: query.limit === undefined ? undefined : String(query.limit) }, schema: zSessionList }),
  show: (api: ApiClient, sessionId: string): Promise<SessionDetail> => api.request('GET', sessionPath(sessionId), { schema: zSessionDetail }),
  events: (api: ApiClient, sessionId: string): Promise<RecordingEvents> => api.request('GET', `${sessionPath(sessionId)}/recording/events`, { schema: zRecordingEvents }),
  kubernetes: (api: ApiClient, sessionId: string): Promise<KubernetesTimeline> =>
    api.request('GET', `${sessionPath(sessionId)}/recording/kubernetes`, { schema: zKubernetesTimeline }),
  /** The terminal as asciicast v2 text, exactly as the server wrote it (for `export`). */
  asciicastText: (api: ApiClient, sessionId: string, terminal: number): Promise<string> =>
    api.request<string>('GET', `${sessionPath(sessionId)}/recording/terminals/${terminal}/asciicast`, { text: true }),
  asciicast: async (api: ApiClient, sessionId: string, terminal: number): Promise<Asciicast> =>
    parseAsciicast(await sessionsApi.asciicastText(api, sessionId, terminal)),
};
