/**
 * Composition root of a relay: the SSH listener for gateways, the TLS listener for clients and
 * the registry between them. `startRelay` is what main.ts, the tests and the Deno smoke run call.
 */
import net, { type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import tls from 'node:tls';
import { splitPemBundle } from '@postern/shared/relay/config-material';
import { routeClientConnection } from './client-router.ts';
import type { RelayConfig } from './config.ts';
import type { RelayLog } from './log.ts';
import { createTunnelServer } from './ssh-server.ts';
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
  let sshServer = createTunnelServer(config, registry, log);
  const tlsServer = tls.createServer({
    key: config.tlsKey, cert: config.tlsCertificate, ca: trustedClientCas, minVersion: 'TLSv1.3',
    // Refusals are decided after the handshake (peer-admission.ts) so the client gets a reason.
    requestCert: true, rejectUnauthorized: false, handshakeTimeout: config.handshakeTimeoutMs,
  }, (socket) => {
    socket.setNoDelay(true);
    routeClientConnection(socket, { registry, trustedClientCas, firstFrameTimeoutMs: config.firstFrameTimeoutMs, log })
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
  await listen(sshListener, config.sshListen);
  await listen(tlsServer, config.tlsListen);
  const running: RunningRelay = {
    sshPort: (sshListener.address() as AddressInfo).port,
    tlsPort: (tlsServer.address() as AddressInfo).port,
    registry,
    updateCredentials: (renewed) => {
      trustedClientCas = splitPemBundle(renewed.tlsClientCa);
      sshServer = createTunnelServer(renewed, registry, log);
      tlsServer.setSecureContext({ key: renewed.tlsKey, cert: renewed.tlsCertificate, ca: trustedClientCas, minVersion: 'TLSv1.3' });
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
