/**
 * Composition root of a gateway: the tunnel client to the relay and the inner TLS server on
 * each channel it brings. No listening socket anywhere: every byte arrives over the outbound
 * SSH connection. `startGateway` is what main.ts and the tests call.
 */
import { splitPemBundle } from '@postern/shared/relay/config-material';
import { ALPN_PROTOCOLS } from '@postern/shared/relay/alpn';
import { defaultAlpnHandlers, type AlpnHandlerRegistry } from './alpn-registry.ts';
import type { GatewayConfig } from './config.ts';
import { kubernetesAlpnHandler, type KubernetesAlpnDeps } from './kubernetes/alpn.ts';
import { serveDataControl } from './data-connections.ts';
import { createInnerTlsServer } from './inner-tls.ts';
import { sshAlpnService, type SshAlpnDeps } from './ssh/alpn.ts';
import type { GatewayLogger } from './logger.ts';
import { TunnelClient } from './tunnel-client.ts';

export interface GatewayDeps {
  checkSession: (sessionId: string) => Promise<boolean>;
  handlers?: AlpnHandlerRegistry;
  /** When given, the gateway serves Kubernetes sessions (ALPN postern-k8s) with it. */
  kubernetes?: KubernetesAlpnDeps;
  /** When given, the gateway serves SSH sessions (ALPN postern-ssh) with it. */
  ssh?: SshAlpnDeps;
  log: GatewayLogger;
}

export interface RunningGateway {
  tunnel: TunnelClient;
  /** Resolves when the relay has registered the tunnel (now, if it already has). */
  connected(): Promise<void>;
  /** Renewed certificates: new relay connections and new inner handshakes use them; open sessions go on. */
  updateCredentials(credentials: { sshPrivateKey: string; sshCertificate: string; tlsCertificate: string; tlsKey: string }): void;
  close(): void;
}

export function startGateway(config: GatewayConfig, deps: GatewayDeps): RunningGateway {
  const trustedClientCas = splitPemBundle(config.tlsClientCa);
  const handlers = deps.handlers ?? defaultAlpnHandlers();
  if (deps.kubernetes) handlers.register(ALPN_PROTOCOLS.kubernetes, kubernetesAlpnHandler(deps.kubernetes));
  if (deps.ssh) {
    const ssh = sshAlpnService(deps.ssh);
    handlers.register(ALPN_PROTOCOLS.ssh, ssh.handler, deps.ssh.admitByTarget ? ssh.admission : undefined);
  }
  const inner = createInnerTlsServer({
    gatewayId: config.gatewayId, orgId: config.orgId, certificate: config.tlsCertificate, key: config.tlsKey, trustedClientCas, handlers,
    checkSession: deps.checkSession, handshakeTimeoutMs: config.handshakeTimeoutMs, log: deps.log,
  });
  const tunnel = new TunnelClient({
    gatewayId: config.gatewayId, relay: config.relay, sshPrivateKey: config.sshPrivateKey, sshCertificate: config.sshCertificate,
    backoff: config.backoff, readyTimeoutMs: config.readyTimeoutMs, keepaliveIntervalMs: config.keepaliveIntervalMs, log: deps.log,
    onChannel: (channel) => inner.serve(channel),
    onDataControl: (channel) => {
      dataControl?.close();
      dataControl = serveDataControl(channel, { gatewayId: config.gatewayId, relayHost: config.relay.host, onSession: (socket) => inner.serve(socket), log: deps.log });
    },
  });
  let dataControl: ReturnType<typeof serveDataControl> | undefined;
  tunnel.start();
  return {
    tunnel,
    updateCredentials: (credentials) => {
      tunnel.setCredentials(credentials.sshPrivateKey, credentials.sshCertificate);
      inner.setCertificate(credentials.tlsCertificate, credentials.tlsKey);
    },
    connected: () => tunnel.state === 'connected' ? Promise.resolve() : new Promise((resolve) => tunnel.once('connected', () => resolve())),
    close: () => {
      tunnel.stop();
      dataControl?.close();
      inner.close();
    },
  };
}
