/**
 * The recordings API as the reviewer's screens use it: sessions with filters, one session's
 * terminal index, a terminal as asciicast text (played in the app, or saved as the export), and
 * the Kubernetes command timeline. Answers are parsed, so a server that answers otherwise fails here.
 */
import type { ResourceType } from '@postern/shared/schemas/resources';
import {
  zKubernetesTimeline, zRecordedSessionList, zRecordingEvents,
  type KubernetesCommandRun, type RecordedSession, type RecordingIndex,
} from '../common/session-types.ts';
import type { ApiClient } from './api-client.ts';

export interface SessionFilter {
  orgId: string;
  projectId?: string | undefined;
  userId?: string | undefined;
  resourceId?: string | undefined;
  type?: ResourceType | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

const id = (value: string) => encodeURIComponent(value);
const LIST_LIMIT = '100';

export const playbackApi = {
  listSessions: async (api: ApiClient, filter: SessionFilter): Promise<RecordedSession[]> => {
    const { orgId, projectId, userId, resourceId, type, from, to } = filter;
    const answer = await api.request('GET', '/api/v1/pam/sessions', {
      query: { orgId, projectId, userId, resourceId, type, from, to, limit: LIST_LIMIT }, schema: zRecordedSessionList,
    });
    return answer.sessions;
  },
  recordingIndex: (api: ApiClient, sessionId: string): Promise<RecordingIndex> =>
    api.request('GET', `/api/v1/pam/sessions/${id(sessionId)}/recording/events`, { schema: zRecordingEvents }),
  asciicast: (api: ApiClient, sessionId: string, terminal: number): Promise<string> =>
    api.request<string>('GET', `/api/v1/pam/sessions/${id(sessionId)}/recording/terminals/${terminal}/asciicast`, { text: true }),
  kubernetesTimeline: async (api: ApiClient, sessionId: string): Promise<KubernetesCommandRun[]> =>
    (await api.request('GET', `/api/v1/pam/sessions/${id(sessionId)}/recording/kubernetes`, { schema: zKubernetesTimeline })).commands,
};
