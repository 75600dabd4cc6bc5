import { createServer } from 'node:http';
import type { Duplex } from 'node:stream';
import type { KubernetesConnectionContext, ProxyConnection } from './context.ts';
import { proxyHttpRequest } from './http-proxy.ts';
import { proxyUpgradeRequest } from './upgrade-proxy.ts';
import { endedByOf } from '../ssh/termination-watch.ts';
import { endedConnectionGraceMs, sessionEndedMessage, type SessionEndReason } from './session-end.ts';
import { createUpstreamAgent } from './upstream.ts';

export type { KubernetesConnectionContext } from './context.ts';
export type { KubernetesTarget } from './upstream.ts';
export type { KubernetesRequestEvent } from './command-log.ts';

/** setTimeout takes at most 2^31-1 ms (~24.8 days); longer waits are re-armed. */
const maxTimerMs = 2 ** 31 - 1;

function runAt(at: Date, action: () => void): () => void {
  let timer: NodeJS.Timeout;
  const arm = () => {
    const wait = at.getTime() - Date.now();
    timer = wait > maxTimerMs ? setTimeout(arm, maxTimerMs) : setTimeout(action, Math.max(0, wait));
  };
  arm();
  return () => clearTimeout(timer);
}

export interface KubernetesConnection {
  /** Resolves when the client stream and everything opened for it are closed. */
  closed: Promise<void>;
  close(): void;
}

/**
 * Serves one `postern-k8s` stream (one kubectl TCP connection, relayed through the client's
 * local proxy) as HTTP/1.1, forwarding every request to the API server with the session's
 * token. Node's HTTP server parses the stream as if it were an accepted socket.
 */
export function handleKubernetesConnection(stream: Duplex, ctx: KubernetesConnectionContext): KubernetesConnection {
  const agent = createUpstreamAgent(ctx.target);
  const open = new Set<() => void>();
  let ended: string | undefined;
  const conn: ProxyConnection = {
    ctx, agent, track: (destroy) => (open.add(destroy), () => void open.delete(destroy)), endedMessage: () => ended,
  };
  // No request or keep-alive timeouts: watches and `logs -f` stay open, and kubectl reuses its connection until the session ends.
  const server = createServer({ requestTimeout: 0, keepAliveTimeout: 0, headersTimeout: 60_000 });
  server.on('request', (req, res) => proxyHttpRequest(req, res, conn));
  server.on('upgrade', (req, socket, head) => proxyUpgradeRequest(req, socket, head, conn));
  server.on('clientError', (_error, socket) => socket.destroy());

  const destroyOpen = () => {
    for (const destroy of [...open]) destroy();
    open.clear();
    agent.destroy();
  };
  const closeAll = () => {
    destroyOpen();
    stream.destroy();
  };
  // Requests waiting for the API server are answered with why, streams under way are cut, and the
  // connection stays for a moment so a request kubectl sends next is answered too instead of retried.
  const endSession = (reason: SessionEndReason) => {
    if (ended) return;
    ended = sessionEndedMessage(ctx.sessionId, reason);
    ctx.logger.info({ sessionId: ctx.sessionId, reason: reason.kind }, 'kubernetes session ended by the gateway: closing its connection');
    destroyOpen();
    setTimeout(() => stream.destroy(), endedConnectionGraceMs).unref();
  };
  const cancelExpiry = runAt(ctx.expiresAt, () => endSession({ kind: 'expired', at: ctx.expiresAt }));
  const onTerminated = () => endSession({ kind: 'terminated', endedBy: ctx.terminated ? endedByOf(ctx.terminated) : 'administrator' });
  ctx.terminated?.addEventListener('abort', onTerminated, { once: true });
  const closed = new Promise<void>((resolve) => stream.once('close', () => {
    cancelExpiry();
    ctx.terminated?.removeEventListener('abort', onTerminated);
    closeAll();
    resolve();
  }));
  if (ctx.terminated?.aborted) onTerminated();
  server.emit('connection', stream);
  return { closed, close: closeAll };
}
