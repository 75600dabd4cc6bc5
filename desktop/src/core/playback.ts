/**
 * What the reviewer's player asks for, over the review API client (recordings/sessions-api.ts):
 * a recording's terminal index without its event list (the player loads one terminal's asciicast
 * at a time), and the Kubernetes command timeline in the bridge's shape.
 */
import type { KubernetesCommandRun, RecordingIndex } from '../common/session-types.ts';
import type { ApiClient } from './api-client.ts';
import { sessionsApi } from './recordings/sessions-api.ts';

export async function recordingIndex(api: ApiClient, sessionId: string): Promise<RecordingIndex> {
  const { complete, missingChunks, terminals } = await sessionsApi.events(api, sessionId);
  return { complete, missingChunks, terminals: terminals.map(({ bytesIn: _in, bytesOut: _out, ...terminal }) => terminal) };
}

export async function kubernetesRuns(api: ApiClient, sessionId: string): Promise<KubernetesCommandRun[]> {
  const { commands } = await sessionsApi.kubernetes(api, sessionId);
  return commands.map(({ kubectlSession: _id, actions, ...run }) => ({
    ...run,
    actions: actions.map(({ at, verb, path, status, durationMs }) => ({ at, verb, path, status, durationMs: typeof durationMs === 'number' ? durationMs : 0 })),
  }));
}
