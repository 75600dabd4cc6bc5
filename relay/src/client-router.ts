/**
 * One client (or platform) connection on the relay's TLS listener: admit its Relay PKI client
 * certificate, read the first frame naming a gateway, check that the gateway belongs to the
 * certificate's org, open a channel on that gateway's tunnel and splice. Every refusal is a
 * status frame the dialer turns into a typed error, then the connection (only) is closed.
 * The relay never sees inside: what follows the frame is the client's inner TLS to the gateway.
 */
import type { TLSSocket } from 'node:tls';
import { RelayFrameError } from '@postern/shared/errors';
import { decodeRelayRequest, encodeRelayStatus, type RelayStatusName } from '@postern/shared/relay/frame';
import { admitPeerCertificate, ClientCertificateRefusedError } from '@postern/shared/relay/peer-admission';
import { readFirstFrame } from '@postern/shared/relay/read-frame';
import type { DataTokens } from './data-pool.ts';
import type { RelayLog } from './log.ts';
import { splice } from './splice.ts';
import type { TunnelRegistry } from './tunnel-registry.ts';

export interface ClientRouterDeps {
  registry: TunnelRegistry;
  /** The Relay PKI Client CA certificates, one PEM each. */
  trustedClientCas: string[];
  /** Where a gateway's data connection (no client certificate, a token in its first frame) is checked. */
  dataTokens?: DataTokens;
  firstFrameTimeoutMs: number;
  log: RelayLog;
}

const REFUSAL_LINGER_MS = 2000;

export async function routeClientConnection(socket: TLSSocket, deps: ClientRouterDeps): Promise<void> {
  const client = { ip: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
  socket.on('error', () => undefined);
  let orgId: string;
  try {
    const info = admitPeerCertificate({
      peerCertificate: socket.getPeerX509Certificate(), authorized: socket.authorized, authorizationError: socket.authorizationError,
    }, { trustedCas: deps.trustedClientCas, roles: ['relay-client'] });
    orgId = info.parameters.orgId!;
  } catch (error) {
    // A gateway's data connection carries no certificate: its first frame says whose it is.
    if (deps.dataTokens && !socket.getPeerX509Certificate()) return acceptDataConnection(socket, deps.dataTokens, deps, error as Error);
    const reason = error instanceof ClientCertificateRefusedError ? String(error.details?.reason) : 'malformed';
    deps.log('client_refused', { ip: client.ip, status: 'client_certificate_refused', reason });
    return refuse(socket, 'client_certificate_refused', (error as Error).message);
  }
  let request;
  try {
    request = await readFirstFrame(socket, decodeRelayRequest, deps.firstFrameTimeoutMs);
  } catch (error) {
    const status: RelayStatusName = error instanceof RelayFrameError ? error.reason : 'bad_frame';
    deps.log('client_refused', { ip: client.ip, orgId, status });
    return refuse(socket, status, (error as Error).message);
  }
  const { gatewayId } = request;
  const found = deps.registry.lookup(gatewayId);
  if (found.state !== 'online' || found.tunnel.orgId !== orgId) {
    const [status, message] = lookupRefusal(found.state === 'online' ? 'org_mismatch' : found.state, gatewayId, orgId);
    deps.log('client_refused', { ip: client.ip, orgId, gatewayId, status });
    return refuse(socket, status, message);
  }
  let relayed;
  try {
    relayed = await found.tunnel.openChannel(client);
  } catch (error) {
    deps.log('channel_open_failed', { orgId, gatewayId, error: (error as Error).message });
    return refuse(socket, 'gateway_offline', `gateway ${gatewayId} is connected but did not accept the connection; try again shortly.`);
  }
  if (socket.destroyed) return void relayed.stream.destroy();
  if (!request.silentOk) socket.write(encodeRelayStatus({ status: 'ok', message: '' }));
  deps.log('client_routed', { ip: client.ip, orgId, gatewayId, path: relayed.path });
  await splice(socket, relayed.stream);
}

/**
 * A connection without a client certificate: a gateway's data connection if its first frame
 * presents a token the relay issued to that gateway, refused as a client without a certificate
 * otherwise (with the same message as before the frame was read).
 */
async function acceptDataConnection(socket: TLSSocket, tokens: DataTokens, deps: ClientRouterDeps, certificateError: Error): Promise<void> {
  const ip = socket.remoteAddress ?? '';
  const request = await readFirstFrame(socket, decodeRelayRequest, deps.firstFrameTimeoutMs).catch(() => undefined);
  if (!request?.dataToken) {
    deps.log('client_refused', { ip, status: 'client_certificate_refused', reason: 'missing' });
    return refuse(socket, 'client_certificate_refused', certificateError.message);
  }
  const pool = tokens.redeem(request.dataToken, request.gatewayId);
  if (!pool) {
    deps.log('data_connection_refused', { ip, gatewayId: request.gatewayId });
    return refuse(socket, 'data_token_refused', 'this data token is unknown, used or expired, or not for this gateway; the gateway dials again with the next token it is given.');
  }
  pool.add(socket);
}

function lookupRefusal(state: 'unknown' | 'offline' | 'org_mismatch', gatewayId: string, orgId: string): [RelayStatusName, string] {
  if (state === 'unknown') return ['unknown_gateway', `no gateway ${gatewayId} has connected to this relay; check the gateway id, or the relay address your session names.`];
  if (state === 'offline') return ['gateway_offline', `gateway ${gatewayId} is not connected right now; it reconnects by itself — retry in a few seconds, or ask an admin to check it.`];
  return ['org_mismatch', `gateway ${gatewayId} does not belong to org ${orgId}, the org of your certificate; a certificate opens only its own org's gateways.`];
}

function refuse(socket: TLSSocket, status: RelayStatusName, message: string): void {
  if (socket.destroyed) return;
  // Read and drop what the client pipelined: closing with unread bytes makes the kernel send a
  // reset, which can overtake the status frame on its way to the client.
  socket.resume();
  socket.end(encodeRelayStatus({ status, message }));
  setTimeout(() => socket.destroy(), REFUSAL_LINGER_MS).unref?.();
}
