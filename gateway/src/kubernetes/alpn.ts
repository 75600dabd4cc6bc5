import type { Duplex } from 'node:stream';
import type { SessionParameters } from '@postern/shared/pki/peer-identity';
import type { AlpnHandler } from '../alpn-registry.ts';
import type { GatewayLogger } from '../logger.ts';
import type { SessionTerminationWatch } from '../ssh/termination-watch.ts';
import type { KubernetesConnectionContext } from './context.ts';
import { handleKubernetesConnection } from './proxy.ts';
import { gatewayErrorContentType } from './upstream.ts';

/**
 * Turns an admitted session into what the proxy needs: the resource's API server and TLS
 * settings, the account's token (fetched from the server for this session), and the session's
 * recorder. The gateway's composition root supplies it.
 */
export type ResolveKubernetesSession = ((session: SessionParameters) => Promise<KubernetesConnectionContext>) & {
  /** Drops what is kept for the session (its token): called when an admin terminates it. */
  forget?: (sessionId: string) => void;
};

/** kubectl is waiting for an HTTP answer on this stream, so a failure is told to it as one. */
function refuse(stream: Duplex, code: number, message: string): void {
  const body = `${message}\n`;
  stream.end(`HTTP/1.1 ${code} ${code === 403 ? 'Forbidden' : 'Bad Gateway'}\r\nContent-Type: ${gatewayErrorContentType}\r\n`
    + `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

export interface KubernetesAlpnDeps {
  resolveSession: ResolveKubernetesSession;
  /** Admin termination: absent only where sessions are never terminated early (tests, benchmarks). */
  terminations?: SessionTerminationWatch;
  log: GatewayLogger;
}

/** The `postern-k8s` ALPN handler: one call per kubectl connection relayed by the client's local proxy. */
export function kubernetesAlpnHandler({ resolveSession, terminations, log }: KubernetesAlpnDeps): AlpnHandler {
  return (stream, peer) => {
    stream.on('error', () => stream.destroy());
    if (peer.kind !== 'session') {
      refuse(stream, 403, 'Postern gateway: Kubernetes access needs a session certificate; request a session with postern pam kubernetes access.');
      return;
    }
    const { sessionId } = peer.session;
    const watched = terminations?.track(sessionId);
    if (watched) {
      stream.once('close', watched.release);
      watched.signal.addEventListener('abort', () => resolveSession.forget?.(sessionId), { once: true });
    }
    resolveSession(peer.session).then((ctx) => {
      if (!stream.destroyed) handleKubernetesConnection(stream, watched ? { ...ctx, terminated: watched.signal } : ctx);
    }, (error: unknown) => {
      log.warn({ event: 'k8s_session_unresolved', sessionId, error: error instanceof Error ? error.message : String(error) }, 'kubernetes session could not start');
      refuse(stream, 502, `Postern gateway: session ${sessionId} could not start (${error instanceof Error ? error.message : String(error)}).`);
    });
  };
}
