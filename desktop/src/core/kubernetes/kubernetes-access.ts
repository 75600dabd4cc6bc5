/** Kubernetes access: a session on a cluster resource whose streams speak `postern-k8s` (see ../session-access.ts). */
import type { ApiClient } from '../api-client.ts';
import { openSessionAccess, type AccessRequest, type SessionAccess } from '../session-access.ts';

export type KubernetesAccessRequest = AccessRequest;
export type KubernetesAccess = SessionAccess;

export function openKubernetesAccess(api: ApiClient, request: KubernetesAccessRequest): Promise<KubernetesAccess> {
  return openSessionAccess(api, request, 'kubernetes');
}
