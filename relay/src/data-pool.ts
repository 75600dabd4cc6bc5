/**
 * A gateway's data connections (docs/architecture.md, "Data connections"). Besides its SSH
 * tunnel, a gateway keeps a few idle TLS connections to the relay's TLS port. A client session
 * takes one and the relay splices the client's TLS socket to it: both sides are native TLS, so
 * the session's bytes never go through ssh2's JavaScript packetising and re-encryption. The
 * relay asks for each connection with a one-time token sent over the tunnel's control channel;
 * the connection proves it is the gateway's by presenting it. With no idle connection (a burst
 * of sessions, a gateway that cannot reach the TLS port, an older gateway) a session gets an SSH
 * channel as before.
 */
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { encodeDataControl } from '@postern/shared/relay/data-control';
import { encodeRelayStatus } from '@postern/shared/relay/frame';

/** A token the gateway has not used within this long is void (its dial failed or was lost). */
const TOKEN_TTL_MS = 30_000;

/** Where gateways dial their data connections, and the certificate they pin. */
export interface DataEndpoint {
  tlsPort: number;
  certSha256: string;
}

/** Tokens handed out, across gateways: a data connection presents one to say whose it is. */
export class DataTokens {
  readonly #tokens = new Map<string, { pool: GatewayDataPool; timer: ReturnType<typeof setTimeout> }>();

  issue(pool: GatewayDataPool): string {
    const token = randomBytes(32).toString('hex');
    const timer = setTimeout(() => {
      this.#tokens.delete(token);
      pool.tokenExpired();
    }, TOKEN_TTL_MS);
    timer.unref?.();
    this.#tokens.set(token, { pool, timer });
    return token;
  }

  /** The pool the token was issued for, once: a token never works twice, nor for another gateway. */
  redeem(token: string, gatewayId: string): GatewayDataPool | undefined {
    const entry = this.#tokens.get(token);
    if (!entry) return undefined;
    this.#tokens.delete(token);
    clearTimeout(entry.timer);
    return entry.pool.gatewayId === gatewayId ? entry.pool : undefined;
  }

  revokeAll(pool: GatewayDataPool): void {
    for (const [token, entry] of this.#tokens) {
      if (entry.pool !== pool) continue;
      clearTimeout(entry.timer);
      this.#tokens.delete(token);
    }
  }
}

export class GatewayDataPool {
  readonly #idle: TLSSocket[] = [];
  #outstanding = 0;
  #control: Duplex | undefined;
  #closed = false;
  #wasFull = false;

  constructor(
    readonly gatewayId: string, private readonly size: number, private readonly tokens: DataTokens, private readonly endpoint: () => DataEndpoint,
    /** Told when the pool first holds all its connections (and again after it ran dry): the gateway's data path works. */
    private readonly onFull: (idle: number) => void = () => undefined,
  ) {}

  /** The control channel is open: tell the gateway where to dial, then ask for the pool's connections. */
  attach(control: Duplex): void {
    if (this.#closed) return void control.destroy();
    this.#control = control;
    control.on('error', () => undefined);
    control.on('close', () => this.close());
    control.resume(); // the gateway sends nothing on it; what it might is dropped
    this.announce();
    this.#refill();
  }

  /** Sends the endpoint again (a renewed TLS certificate): dials from now on pin the new one. */
  announce(): void {
    if (this.#control && !this.#closed) this.#control.write(encodeDataControl({ type: 'endpoint', ...this.endpoint() }));
  }

  /** A connection that presented one of this pool's tokens. */
  add(socket: TLSSocket): void {
    this.#outstanding = Math.max(0, this.#outstanding - 1);
    if (this.#closed) return void socket.destroy();
    this.#idle.push(socket);
    if (this.#idle.length === this.size && !this.#wasFull) {
      this.#wasFull = true;
      this.onFull(this.size);
    }
    socket.on('error', () => undefined);
    socket.once('close', () => {
      const index = this.#idle.indexOf(socket);
      if (index < 0) return; // taken by a session: its splice owns it now
      this.#idle.splice(index, 1);
      this.#refill();
    });
  }

  /** An idle connection for a client session, told to start; undefined when none is ready. */
  take(): TLSSocket | undefined {
    let socket: TLSSocket | undefined;
    while ((socket = this.#idle.shift()) && (socket.destroyed || !socket.writable));
    if (socket) socket.write(encodeRelayStatus({ status: 'ok', message: '' }));
    if (this.#idle.length === 0) this.#wasFull = false;
    this.#refill();
    return socket;
  }

  /** A token expired unused: not re-issued until the next session, so an unreachable port costs no loop. */
  tokenExpired(): void {
    this.#outstanding = Math.max(0, this.#outstanding - 1);
  }

  get idleCount(): number {
    return this.#idle.length;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.tokens.revokeAll(this);
    for (const socket of this.#idle.splice(0)) socket.destroy();
    this.#control?.destroy();
  }

  #refill(): void {
    const control = this.#control;
    if (!control || this.#closed || control.destroyed) return;
    while (this.#idle.length + this.#outstanding < this.size) {
      this.#outstanding += 1;
      control.write(encodeDataControl({ type: 'token', token: this.tokens.issue(this) }));
    }
  }
}
