/**
 * The gateway's end of the inner TLS 1.3 on each forwarded SSH channel (the gateway listens on
 * no socket). After the handshake it admits the peer — a session
 * certificate from the org's Gateway Client CA, unexpired, for this gateway, whose session the
 * server says is active; or the platform's certificate — answers with a status frame (so the
 * client learns why it was refused), then hands the stream to the ALPN protocol's handler.
 */
import type { Duplex } from 'node:stream';
import tls, { type TLSSocket } from 'node:tls';
import { sessionParametersOf } from '@postern/shared/pki/peer-identity';
import { encodeRelayStatus, type RelayStatusName } from '@postern/shared/relay/frame';
import { admitPeerCertificate } from '@postern/shared/relay/peer-admission';
import type { AlpnHandlerRegistry, InnerPeer } from './alpn-registry.ts';
import type { GatewayLogger } from './logger.ts';

export interface InnerTlsDeps {
  gatewayId: string;
  orgId: string;
  /** Gateway server certificate and key, PEM. */
  certificate: string;
  key: string;
  trustedClientCas: string[];
  handlers: AlpnHandlerRegistry;
  /**
   * Asks the server whether the session is still active; false or a throw refuses it. Protocols
   * with their own admission (AlpnHandlerRegistry.admission) are asked instead.
   */
  checkSession: (sessionId: string) => Promise<boolean>;
  handshakeTimeoutMs: number;
  log: GatewayLogger;
}

class Refusal extends Error {
  constructor(readonly status: RelayStatusName, message: string) {
    super(message);
  }
}

const REFUSAL_LINGER_MS = 2000;

/**
 * A tls.Server that never listens: each forwarded channel is injected with
 * `emit('connection', channel)` (any Duplex works), so Node's own server path runs the
 * handshake, the handshake timeout, ALPN selection and OpenSSL's client-chain verdict.
 */
export function createInnerTlsServer(deps: InnerTlsDeps): { serve(channel: Duplex): void; setCertificate(certificate: string, key: string): void; close(): void } {
  const open = new Set<TLSSocket>();
  const server = tls.createServer({
    key: deps.key, cert: deps.certificate, ca: deps.trustedClientCas, requestCert: true, rejectUnauthorized: false, minVersion: 'TLSv1.3',
    ALPNProtocols: deps.handlers.protocols(), handshakeTimeout: deps.handshakeTimeoutMs,
  }, (socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    socket.on('error', (error) => deps.log.warn({ event: 'inner_tls_error', error: error.message }, 'inner TLS connection failed'));
    admitAndDispatch(socket, deps).catch((error: Error) => {
      deps.log.error({ event: 'inner_dispatch_failed', error: error.message }, 'handler failed');
      socket.destroy();
    });
  });
  server.on('tlsClientError', (error) => deps.log.warn({ event: 'inner_tls_refused', error: error.message }, 'inner TLS handshake failed'));
  return {
    serve: (channel) => {
      channel.on('error', () => undefined);
      server.emit('connection', channel);
    },
    // A renewed certificate serves new handshakes; open sessions keep theirs.
    setCertificate: (certificate, key) => {
      server.setSecureContext({ key, cert: certificate, ca: deps.trustedClientCas, minVersion: 'TLSv1.3' });
    },
    close: () => {
      for (const socket of open) socket.destroy();
    },
  };
}

async function admitAndDispatch(socket: TLSSocket, deps: InnerTlsDeps): Promise<void> {
  let peer: InnerPeer;
  try {
    peer = await admitPeer(socket, deps);
  } catch (error) {
    const refusal = error instanceof Refusal ? error : new Refusal('client_certificate_refused', (error as Error).message);
    deps.log.info({ event: 'inner_refused', status: refusal.status }, 'inner TLS peer refused');
    socket.resume(); // drop what the client pipelined, so the close is a FIN after the status, not a reset
    socket.end(encodeRelayStatus({ status: refusal.status, message: refusal.message }));
    setTimeout(() => socket.destroy(), REFUSAL_LINGER_MS).unref?.();
    return;
  }
  const handler = deps.handlers.get(socket.alpnProtocol);
  if (!handler) {
    socket.end(encodeRelayStatus({ status: 'unsupported_protocol', message: `this gateway does not serve ALPN protocol ${String(socket.alpnProtocol)}; it serves ${deps.handlers.protocols().join(', ')}.` }));
    return;
  }
  if (peer.kind === 'session') endAtSessionEnd(socket, peer.session.notAfter);
  socket.write(encodeRelayStatus({ status: 'ok', message: '' }));
  deps.log.info({ event: 'inner_admitted', alpn: socket.alpnProtocol, peer: peer.kind, sessionId: peer.kind === 'session' ? peer.session.sessionId : undefined }, 'session admitted');
  handler(socket, peer);
}

async function admitPeer(socket: TLSSocket, deps: InnerTlsDeps): Promise<InnerPeer> {
  const info = admitPeerCertificate({
    peerCertificate: socket.getPeerX509Certificate(), authorized: socket.authorized, authorizationError: socket.authorizationError,
  }, { trustedCas: deps.trustedClientCas, roles: ['session-client', 'platform-client'], orgId: deps.orgId });
  if (info.parameters.role === 'platform-client') return { kind: 'platform', orgId: deps.orgId };
  const session = sessionParametersOf(info);
  if (session.gatewayId !== deps.gatewayId) {
    throw new Refusal('gateway_mismatch', `this session is for gateway ${session.gatewayId}, not ${deps.gatewayId}; connect to the gateway your session names.`);
  }
  // A protocol that fetches its session's credentials anyway (SSH) admits with that one call: the
  // server refuses credentials for a session that is not active, and the answer is ready at once.
  const admission = deps.handlers.admission(socket.alpnProtocol);
  let active = false;
  try {
    active = await (admission ? admission(socket, session) : deps.checkSession(session.sessionId));
  } catch (error) {
    throw new Refusal('session_refused', `session ${session.sessionId} could not be checked with the server (${(error as Error).message}); try again shortly.`);
  }
  if (!active) throw new Refusal('session_refused', `session ${session.sessionId} is no longer active (it ended or was revoked); request a new session.`);
  return { kind: 'session', session };
}

/** The session certificate's end is the session's end: the gateway closes the stream then. */
function endAtSessionEnd(socket: TLSSocket, notAfter: Date): void {
  const remaining = notAfter.getTime() - Date.now();
  // setTimeout holds at most ~24.8 days; sessions are far shorter, longer certs are cut at that.
  const timer = setTimeout(() => socket.destroy(), Math.max(0, Math.min(remaining, 2 ** 31 - 1)));
  timer.unref?.();
  socket.once('close', () => clearTimeout(timer));
}
