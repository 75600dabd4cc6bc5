/**
 * Composition root of a relay: the SSH listener for gateways, the TLS listener for clients and
 * the registry between them. `startRelay` is what main.ts, the tests and the Deno smoke run call.
 */
import { X509Certificate } from 'node:crypto';
import net, { type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import tls from 'node:tls';
import { splitPemBundle } from '@postern/shared/relay/config-material';
import { routeClientConnection } from './client-router.ts';
import type { RelayConfig } from './config.ts';
import { DataTokens, type DataEndpoint } from './data-pool.ts';
import type { RelayLog } from './log.ts';
import { createTunnelServer, type TunnelDataOptions } from './ssh-server.ts';
import { TunnelRegistry } from './tunnel-registry.ts';

export interface RunningRelay {
  sshPort: number;
  tlsPort: number;
  registry: TunnelRegistry;
  /** Renewed certificates and CAs: new connections use them, open tunnels and sessions go on. */
  updateCredentials(config: RelayConfig): void;
  close(): Promise<void>;
}

export async function startRelay(config: RelayConfig, log: RelayLog): Promise<RunningRelay> {
  const registry = new TunnelRegistry();
  const openSockets = new Set<Socket>();
  const track = (socket: Socket) => {
    openSockets.add(socket);
    socket.once('close', () => openSockets.delete(socket));
  };
  let trustedClientCas = splitPemBundle(config.tlsClientCa);
  const dataTokens = new DataTokens();
  const endpoint: DataEndpoint = { tlsPort: 0, certSha256: leafSha256(config.tlsCertificate) };
  const data: TunnelDataOptions = { tokens: dataTokens, endpoint: () => endpoint, poolSize: config.dataConnections ?? 4 };
  let sshServer = createTunnelServer(config, registry, log, data);
  const tlsServer = tls.createServer({
    key: config.tlsKey, cert: config.tlsCertificate, ca: trustedClientCas, minVersion: 'TLSv1.3',
    // Refusals are decided after the handshake (peer-admission.ts) so the client gets a reason.
    requestCert: true, rejectUnauthorized: false, handshakeTimeout: config.handshakeTimeoutMs,
  }, (socket) => {
    socket.setNoDelay(true);
    routeClientConnection(socket, { registry, trustedClientCas, dataTokens, firstFrameTimeoutMs: config.firstFrameTimeoutMs, log })
      .catch((error: Error) => {
        log('client_route_failed', { error: error.message });
        socket.destroy();
      });
  });
  tlsServer.on('connection', track);
  tlsServer.on('tlsClientError', (error, socket) => log('client_tls_refused', { ip: socket.remoteAddress, error: error.message }));
  // Our own listener hands sockets to ssh2, so close() can end half-open handshakes too.
  const sshListener = net.createServer((socket) => {
    track(socket);
    sshServer.injectSocket(socket);
  });
  // TLS first: a gateway that registers is told the TLS port its data connections dial.
  await listen(tlsServer, config.tlsListen);
  endpoint.tlsPort = config.dataPort ?? (tlsServer.address() as AddressInfo).port;
  await listen(sshListener, config.sshListen);
  const running: RunningRelay = {
    sshPort: (sshListener.address() as AddressInfo).port,
    tlsPort: (tlsServer.address() as AddressInfo).port,
    registry,
    updateCredentials: (renewed) => {
      trustedClientCas = splitPemBundle(renewed.tlsClientCa);
      sshServer = createTunnelServer(renewed, registry, log, data);
      tlsServer.setSecureContext({ key: renewed.tlsKey, cert: renewed.tlsCertificate, ca: trustedClientCas, minVersion: 'TLSv1.3' });
      endpoint.certSha256 = leafSha256(renewed.tlsCertificate);
      for (const gatewayId of registry.connectedGatewayIds()) {
        const found = registry.lookup(gatewayId);
        if (found.state === 'online') found.tunnel.dataPool?.announce();
      }
    },
    close: async () => {
      registry.closeAll();
      const closed = Promise.all([closeServer(sshListener), closeServer(tlsServer)]);
      for (const socket of openSockets) socket.destroy();
      await closed;
    },
  };
  log('relay_listening', { sshPort: running.sshPort, tlsPort: running.tlsPort });
  return running;
}

/** What gateways pin on their data connections: the SHA-256 of the leaf the TLS listener presents. */
function leafSha256(certificatePem: string): string {
  return new X509Certificate(splitPemBundle(certificatePem)[0] ?? certificatePem).fingerprint256;
}

function listen(server: NetServer, address: { host: string; port: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: NetServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
