import type { Agent } from 'node:https';
import type { SessionRecorder } from '@postern/shared/recording/recorder';
import type { GatewayLogger } from '../logger.ts';
import type { KubernetesTarget } from './upstream.ts';

/** Everything the gateway knows about the session when a `postern-k8s` stream arrives. */
export interface KubernetesConnectionContext {
  sessionId: string;
  target: KubernetesTarget;
  /** The account's service-account token, fetched from the server for this session; never sent to the client. */
  token: string;
  recorder: SessionRecorder;
  /** Never given the token or request bodies. */
  logger: GatewayLogger;
  /** The session's end: every connection and stream of it closes then. */
  expiresAt: Date;
  /** Aborted when an admin terminates the session: every connection of it closes at once. */
  terminated?: AbortSignal;
  /** Impersonate-* headers are refused unless the resource allows them (the token's RBAC then decides). */
  allowImpersonation?: boolean;
}

/** What the request and upgrade handlers of one client connection share. */
export interface ProxyConnection {
  ctx: KubernetesConnectionContext;
  agent: Agent;
  /** Registers something to destroy when the connection or the session ends; returns the unregister. */
  track(destroy: () => void): () => void;
  /** Why the session is over (terminated or expired), once it is: every request after that is answered with it. */
  endedMessage(): string | undefined;
}
