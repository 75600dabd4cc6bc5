import { z } from 'zod';
import { PosternError, errorFromBody } from '@postern/shared/errors';
import type { SessionParameters } from '@postern/shared/pki/peer-identity';
import type { SessionRecorder } from '@postern/shared/recording/recorder';
import type { GatewayLogger } from '../logger.ts';
import type { ServerApi } from '../ssh/session-credentials.ts';
import type { ResolveKubernetesSession } from './alpn.ts';
import type { KubernetesConnectionContext } from './context.ts';

/** The part of POST /api/v1/pam/sessions/{id}/credentials a Kubernetes session uses. */
const zKubernetesCredentials = z.object({
  sessionId: z.string(),
  expiresAt: z.string(),
  target: z.object({ type: z.literal('kubernetes'), url: z.url(), tlsVerify: z.boolean(), caCertificate: z.string().nullable() }),
  credential: z.object({ type: z.literal('kubernetes-token'), token: z.string().min(1) }),
});

export class NotAKubernetesSessionError extends PosternError {
  constructor(sessionId: string, problem: string) {
    super('not_kubernetes_session', 422, `Session ${sessionId} cannot be served as Kubernetes (${problem}); request a session on a Kubernetes resource.`, { sessionId });
  }
}

export interface KubernetesSessionResolverOptions {
  /** The server's answer to POST /api/v1/pam/sessions/{id}/credentials, asked as this gateway. */
  fetchCredentials: (sessionId: string) => Promise<unknown>;
  /** The session's recorder (the gateway's encrypted spool). */
  recorderFor: (session: SessionParameters) => SessionRecorder;
  logger: GatewayLogger;
  allowImpersonation?: (session: SessionParameters) => boolean;
}

/**
 * Resolves each admitted `postern-k8s` stream to its session's proxy context. kubectl opens
 * several connections per command, so a session's credentials are fetched once and kept until
 * the session ends; a failed fetch is not kept, the next connection asks again.
 */
export function createKubernetesSessionResolver(options: KubernetesSessionResolverOptions): ResolveKubernetesSession {
  const sessions = new Map<string, Promise<KubernetesConnectionContext>>();
  const load = async (session: SessionParameters): Promise<KubernetesConnectionContext> => {
    const parsed = zKubernetesCredentials.safeParse(await options.fetchCredentials(session.sessionId));
    if (!parsed.success) throw new NotAKubernetesSessionError(session.sessionId, parsed.error.issues[0]?.message ?? 'unexpected credentials');
    const { target, credential, expiresAt } = parsed.data;
    // The earlier of the server's end and the certificate's: neither may be outlived.
    const end = Math.min(Date.parse(expiresAt), session.notAfter.getTime());
    return {
      sessionId: session.sessionId, token: credential.token, recorder: options.recorderFor(session), logger: options.logger, expiresAt: new Date(end),
      target: { url: target.url, tls: { verify: target.tlsVerify, ...(target.caCertificate ? { caCertificate: target.caCertificate } : {}) } },
      ...(options.allowImpersonation?.(session) ? { allowImpersonation: true } : {}),
    };
  };
  const resolve: ResolveKubernetesSession = (session) => {
    const cached = sessions.get(session.sessionId);
    if (cached) return cached;
    const loading = load(session);
    sessions.set(session.sessionId, loading);
    loading.then((ctx) => {
      const forget = setTimeout(() => sessions.delete(session.sessionId), Math.max(0, Math.min(ctx.expiresAt.getTime() - Date.now(), 2 ** 31 - 1)));
      forget.unref();
    }, () => sessions.delete(session.sessionId));
    return loading;
  };
  resolve.forget = (sessionId) => void sessions.delete(sessionId);
  return resolve;
}

/** Fetches a session's credentials from the server as the gateway (the same ServerApi the SSH bridge uses). */
export function httpCredentialsFetcher(api: ServerApi) {
  return async (sessionId: string): Promise<unknown> => {
    const response = await (api.fetch ?? fetch)(new URL(`/api/v1/pam/sessions/${encodeURIComponent(sessionId)}/credentials`, api.serverUrl), {
      method: 'POST', body: '{}',
      headers: { authorization: `Bearer ${await api.token()}`, 'content-type': 'application/json' },
      signal: AbortSignal.timeout(10_000),
    });
    const body: unknown = await response.json().catch(() => null);
    if (!response.ok) throw errorFromBody(response.status, body);
    return body;
  };
}
