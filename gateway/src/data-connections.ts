/**
 * The gateway's end of its data connections (relay/src/data-pool.ts has the relay's). The relay
 * sends, over a control channel in the SSH tunnel, its TLS port and certificate fingerprint, then
 * one-time tokens. For each token the gateway opens a TLS connection to the relay's host at that
 * port, pins the certificate (the tunnel already proved who is speaking; no CA is needed), and
 * presents the token. The connection then waits idle until the relay hands it a client session
 * with a status frame; what follows is the client's inner TLS, served like an SSH channel's.
 * Natively: the inner TLS runs straight on this TLS socket, no JavaScript stream in between.
 */
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls, { type TLSSocket } from 'node:tls';
import { DataControlReader, type DataControlMessage } from '@postern/shared/relay/data-control';
import { decodeRelayStatus, encodeRelayRequest } from '@postern/shared/relay/frame';
import { readFirstFrame } from '@postern/shared/relay/read-frame';
import type { GatewayLogger } from './logger.ts';

/** An idle data connection is closed after this long; the relay asks for a fresh one, so a dead path is found. */
const MAX_IDLE_MS = 10 * 60_000;
const CONNECT_TIMEOUT_MS = 10_000;
/** After a failed dial, offered tokens are left unused this long: sessions take the SSH tunnel, and the log gets one line a minute, not one a session. */
const PAUSE_AFTER_FAILURE_MS = 60_000;

export interface DataConnectionDeps {
  gatewayId: string;
  /** The relay's host, as the tunnel reaches it; the port comes from the relay. */
  relayHost: string;
  /** A client session arrived on a data connection: serve its inner TLS. */
  onSession: (socket: Duplex) => void;
  log: GatewayLogger;
  maxIdleMs?: number;
  pauseAfterFailureMs?: number;
}

/** Serves one control channel (one per tunnel connection); idle connections close with it, sessions on them go on. */
export function serveDataControl(control: Duplex, deps: DataConnectionDeps): { close(): void } {
  const reader = new DataControlReader();
  const idle = new Set<TLSSocket>();
  let endpoint: Extract<DataControlMessage, { type: 'endpoint' }> | undefined;
  let pausedUntil = 0;
  const failed = () => { pausedUntil = Date.now() + (deps.pauseAfterFailureMs ?? PAUSE_AFTER_FAILURE_MS); };
  const closeIdle = () => {
    for (const socket of idle) socket.destroy();
    idle.clear();
  };
  control.on('error', () => undefined);
  control.on('close', closeIdle);
  control.on('data', (chunk: Buffer) => {
    let messages: DataControlMessage[];
    try {
      messages = reader.push(chunk);
    } catch (error) {
      deps.log.warn({ event: 'data_control_malformed', error: (error as Error).message }, 'the relay sent an unreadable data control message; using SSH channels only');
      control.destroy();
      return;
    }
    for (const message of messages) {
      if (message.type === 'endpoint') endpoint = message;
      else if (endpoint && Date.now() >= pausedUntil) dial(endpoint, message.token, idle, deps, failed);
    }
  });
  return { close: () => { control.destroy(); closeIdle(); } };
}

function dial(endpoint: { tlsPort: number; certSha256: string }, token: string, idle: Set<TLSSocket>, deps: DataConnectionDeps, failed: () => void): void {
  let settled = false;
  const fail = (reason: string) => {
    clearTimeout(connectTimer);
    socket.destroy();
    if (settled) return;
    settled = true;
    failed();
    deps.log.warn({ event: 'data_connection_failed', relay: `${deps.relayHost}:${endpoint.tlsPort}`, reason }, 'data connection to the relay failed; sessions use the SSH tunnel for the next minute');
  };
  // The certificate is checked against the pin below, not a CA: the pin came over the authenticated tunnel.
  const socket = tls.connect({
    host: deps.relayHost, port: endpoint.tlsPort, minVersion: 'TLSv1.3', rejectUnauthorized: false,
    ...(net.isIP(deps.relayHost) ? {} : { servername: deps.relayHost }),
  });
  idle.add(socket);
  socket.once('close', () => idle.delete(socket));
  const onError = (error: Error) => fail(error.message);
  socket.on('error', onError);
  const connectTimer = setTimeout(() => fail(`no TLS connection within ${CONNECT_TIMEOUT_MS} ms`), CONNECT_TIMEOUT_MS);
  socket.once('secureConnect', () => {
    clearTimeout(connectTimer);
    const presented = socket.getPeerX509Certificate()?.fingerprint256;
    if (presented !== endpoint.certSha256) return fail(`the relay's TLS certificate ${presented ?? '(none)'} is not the one its tunnel announced`);
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    socket.write(encodeRelayRequest({ gatewayId: deps.gatewayId, dataToken: token }));
    readFirstFrame(socket, decodeRelayStatus, deps.maxIdleMs ?? MAX_IDLE_MS).then((status) => {
      idle.delete(socket);
      if (status.status !== 'ok') return fail(`the relay refused it: ${status.message}`);
      settled = true;
      socket.off('error', onError); // the session's errors are the inner TLS server's to report
      deps.onSession(socket);
    }, () => {
      // Idle too long or closed by the relay: not a failure, the relay asks for another.
      settled = true;
      socket.destroy();
    });
  });
}
