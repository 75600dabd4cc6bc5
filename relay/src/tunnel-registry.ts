/**
 * The gateways connected to this relay: gateway id → its reverse tunnel. One tunnel per gateway
 * id; a new connection from the same gateway (a restart, a reconnect racing the old TCP timeout)
 * replaces the old one, which is closed. Gateways seen since start but gone now are "offline",
 * others "unknown", so a client is told which.
 */
import type { Duplex } from 'node:stream';
import type { GatewayDataPool } from './data-pool.ts';

export interface ChannelOrigin {
  ip: string;
  port: number;
}

export interface RelayedStream {
  stream: Duplex;
  /** A data connection (TLS to the gateway) or a channel in its SSH tunnel. */
  path: 'data' | 'ssh';
}

export interface GatewayTunnel {
  gatewayId: string;
  orgId: string;
  /** The way to the gateway for one client connection: an idle data connection, else a `forwarded-tcpip` channel. */
  openChannel(origin: ChannelOrigin): Promise<RelayedStream>;
  /** Its data connections, unless the relay keeps none. */
  dataPool?: GatewayDataPool | undefined;
  close(): void;
}

export type TunnelLookup =
  | { state: 'online'; tunnel: GatewayTunnel }
  | { state: 'offline' }
  | { state: 'unknown' };

export class TunnelRegistry {
  readonly #tunnels = new Map<string, GatewayTunnel>();
  readonly #seen = new Set<string>();

  register(tunnel: GatewayTunnel): void {
    const previous = this.#tunnels.get(tunnel.gatewayId);
    this.#tunnels.set(tunnel.gatewayId, tunnel);
    this.#seen.add(tunnel.gatewayId);
    if (previous && previous !== tunnel) previous.close();
  }

  /** Removes `tunnel` only if it is still the registered one (a replaced tunnel closing later changes nothing). */
  unregister(tunnel: GatewayTunnel): void {
    if (this.#tunnels.get(tunnel.gatewayId) === tunnel) this.#tunnels.delete(tunnel.gatewayId);
  }

  lookup(gatewayId: string): TunnelLookup {
    const tunnel = this.#tunnels.get(gatewayId);
    if (tunnel) return { state: 'online', tunnel };
    return { state: this.#seen.has(gatewayId) ? 'offline' : 'unknown' };
  }

  /** Gateway ids with a live tunnel, for health and tests. */
  connectedGatewayIds(): string[] {
    return [...this.#tunnels.keys()];
  }

  closeAll(): void {
    for (const tunnel of this.#tunnels.values()) tunnel.close();
    this.#tunnels.clear();
  }
}
