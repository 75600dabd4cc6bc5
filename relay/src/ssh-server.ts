/**
 * The relay's SSH listener for gateways (outbound from them, inbound here). It presents the
 * relay's host certificate, accepts only `publickey` auth with a user certificate from a Relay
 * SSH Client CA whose principal is the login name (the gateway id) and whose key id names the
 * org, and accepts exactly one `tcpip-forward` request whose bind address is that gateway id.
 * That registers the tunnel; sessions, shells and other channels are refused.
 */
import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import type { AuthContext, Connection, ServerConfig } from 'ssh2';
import { parseGatewayKeyId, GATEWAY_TUNNEL_PORT } from '@postern/shared/relay/gateway-ssh-identity';
import { parseSshCertificate } from '@postern/shared/ssh/certificate';
import { readSshPrivateKey } from '@postern/shared/relay/ssh-key-material';
import { SSH2_FAST_CIPHERS, ssh2HostKeyWithCertificate, verifyCertificateAuthentication } from '@postern/shared/ssh/ssh2-certificates';
import { DATA_CONTROL_ORIGIN } from '@postern/shared/relay/data-control';
import type { RelayConfig } from './config.ts';
import { GatewayDataPool, type DataEndpoint, type DataTokens } from './data-pool.ts';
import type { RelayLog } from './log.ts';
import type { ChannelOrigin, GatewayTunnel, TunnelRegistry } from './tunnel-registry.ts';

// ssh2 is CommonJS; its named exports are not detected under Node ESM (docs/architecture.md).
const { Server } = ssh2;

/** Data connections (data-pool.ts): the token registry, where gateways dial, and how many each keeps idle (0: none). */
export interface TunnelDataOptions {
  tokens: DataTokens;
  endpoint: () => DataEndpoint;
  poolSize: number;
}

export function createTunnelServer(config: RelayConfig, registry: TunnelRegistry, log: RelayLog, data?: TunnelDataOptions): InstanceType<typeof Server> {
  const serverConfig: ServerConfig = {
    hostKeys: [ssh2HostKeyWithCertificate(readSshPrivateKey(config.sshHostKey), parseSshCertificate(config.sshHostCertificate))],
    algorithms: { cipher: [...SSH2_FAST_CIPHERS] as never },
  };
  return new Server(serverConfig, (connection, info) => {
    handleGatewayConnection(connection, { ip: info.ip, port: info.port }, { config, registry, log, data });
  });
}

interface GatewayIdentity {
  gatewayId: string;
  orgId: string;
}

interface TunnelServerDeps {
  config: RelayConfig;
  registry: TunnelRegistry;
  log: RelayLog;
  data: TunnelDataOptions | undefined;
}

function handleGatewayConnection(connection: Connection, peer: ChannelOrigin, { config, registry, log, data }: TunnelServerDeps): void {
  // ssh2's typings omit Connection.setNoDelay; without it each handshake waits on Nagle + delayed ACK.
  (connection as unknown as { setNoDelay(on: boolean): void }).setNoDelay(true);
  let identity: GatewayIdentity | undefined;
  let tunnel: GatewayTunnel | undefined;
  const handshakeTimer = setTimeout(() => {
    log('gateway_handshake_timeout', { ip: peer.ip });
    connection.end();
  }, config.handshakeTimeoutMs);
  connection.on('authentication', (ctx) => {
    const accepted = authenticateGateway(ctx, peer, config);
    if ('error' in accepted) {
      // The query (no signature) is refused already when the certificate fails, so log it too.
      if (ctx.method === 'publickey') log('gateway_auth_refused', { ip: peer.ip, user: ctx.username, reason: accepted.error });
      return ctx.reject(['publickey']);
    }
    if (ctx.method === 'publickey' && ctx.signature) identity = accepted;
    ctx.accept();
  });
  connection.on('ready', () => clearTimeout(handshakeTimer));
  connection.on('request', (accept, reject, name, request) => {
    if (!identity || name !== 'tcpip-forward' || !('bindAddr' in request) || request.bindAddr !== identity.gatewayId || tunnel) {
      log('gateway_request_refused', { ip: peer.ip, gatewayId: identity?.gatewayId, request: name });
      return reject?.();
    }
    const { gatewayId } = identity;
    const pool = data && data.poolSize > 0
      ? new GatewayDataPool(gatewayId, data.poolSize, data.tokens, data.endpoint, (idle) => log('gateway_data_connections_ready', { gatewayId, idle }))
      : undefined;
    tunnel = makeTunnel(connection, identity, config.channelOpenTimeoutMs, pool);
    registry.register(tunnel);
    log('gateway_connected', { ip: peer.ip, gatewayId: identity.gatewayId, orgId: identity.orgId });
    accept?.();
    if (pool) openDataControl(connection, identity.gatewayId, pool, log);
  });
  connection.on('close', () => {
    clearTimeout(handshakeTimer);
    tunnel?.dataPool?.close();
    if (tunnel) {
      registry.unregister(tunnel);
      log('gateway_disconnected', { gatewayId: tunnel.gatewayId });
    }
  });
  connection.on('error', (error) => log('gateway_connection_error', { ip: peer.ip, gatewayId: identity?.gatewayId, error: error.message }));
}

/** Checks the certificate against each trusted CA (several during a rotation). */
function authenticateGateway(ctx: AuthContext, peer: ChannelOrigin, config: RelayConfig): GatewayIdentity | { error: string } {
  if (ctx.method !== 'publickey') return { error: `method ${ctx.method} is not accepted` };
  let firstError: string | undefined;
  for (const caPublicKey of config.sshClientCaKeys) {
    try {
      const certificate = verifyCertificateAuthentication(ctx, { caPublicKey, principal: ctx.username, now: new Date(), clientAddress: peer.ip });
      return { gatewayId: ctx.username, orgId: parseGatewayKeyId(certificate.keyId) };
    } catch (error) {
      firstError ??= (error as { code?: string }).code ?? (error as Error).message;
    }
  }
  return { error: firstError ?? 'no Relay SSH Client CA is configured' };
}

/**
 * After the tunnel is registered (the gateway accepts forwarded channels only then), one more
 * channel carries the data-connection endpoint and tokens. An older gateway takes it for a client
 * and fails its TLS handshake: it logs that once and keeps using SSH channels.
 */
function openDataControl(connection: Connection, gatewayId: string, pool: GatewayDataPool, log: RelayLog): void {
  connection.forwardOut(gatewayId, GATEWAY_TUNNEL_PORT, DATA_CONTROL_ORIGIN, 0, (error, channel) => {
    if (error) {
      log('data_control_refused', { gatewayId, error: error.message });
      pool.close();
      return;
    }
    pool.attach(channel);
  });
}

function makeTunnel(connection: Connection, identity: GatewayIdentity, openTimeoutMs: number, dataPool: GatewayDataPool | undefined): GatewayTunnel {
  return {
    ...identity,
    dataPool,
    openChannel: async (origin) => {
      const data = dataPool?.take();
      return data ? { stream: data, path: 'data' } : { stream: await openSshChannel(connection, identity, openTimeoutMs, origin), path: 'ssh' };
    },
    close: () => connection.end(),
  };
}

function openSshChannel(connection: Connection, identity: GatewayIdentity, openTimeoutMs: number, origin: ChannelOrigin): Promise<Duplex> {
  return new Promise<Duplex>((resolve, reject) => {
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        reject(new Error(`the gateway did not accept a channel within ${openTimeoutMs} ms`));
      }, openTimeoutMs);
      connection.forwardOut(identity.gatewayId, GATEWAY_TUNNEL_PORT, origin.ip, origin.port, (error, channel) => {
        clearTimeout(timer);
        if (timedOut) channel?.close();
        else if (error) reject(error);
        else resolve(channel);
      });
  });
}
