/**
 * The gateway's one outbound SSH connection to its relay. Logs in with its user certificate
 * (principal = gateway id), accepts the relay only with a host certificate from a Relay SSH
 * Server CA, asks for `tcpip-forward` bound to its gateway id, and hands each forwarded channel
 * to `onChannel`. After any failure it reconnects with exponential backoff and jitter; a
 * successful registration resets the backoff.
 */
import { EventEmitter } from 'node:events';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import type { Client as Ssh2Client, ClientChannel } from 'ssh2';
import { DATA_CONTROL_ORIGIN } from '@postern/shared/relay/data-control';
import { GATEWAY_TUNNEL_PORT } from '@postern/shared/relay/gateway-ssh-identity';
import { readSshPrivateKey } from '@postern/shared/relay/ssh-key-material';
import { parseSshCertificate } from '@postern/shared/ssh/certificate';
import {
  hostCertificateVerifier, SSH2_FAST_CIPHERS, SSH2_HOST_CERT_ALGORITHMS_ONLY, ssh2UserCertificateAuth,
} from '@postern/shared/ssh/ssh2-certificates';
import { backoffDelay, type BackoffPolicy } from './backoff.ts';
import type { GatewayLogger } from './logger.ts';

// ssh2 is CommonJS; its named exports are not detected under Node ESM (docs/architecture.md).
const { Client } = ssh2;

export interface TunnelClientOptions {
  gatewayId: string;
  relay: { host: string; port: number; hostPrincipal: string; hostCaKeys: string[] };
  sshPrivateKey: string;
  sshCertificate: string;
  backoff: BackoffPolicy;
  readyTimeoutMs: number;
  keepaliveIntervalMs: number;
  onChannel: (channel: Duplex, origin: { ip: string; port: number }) => void;
  /** The relay's data-connection control channel (data-connections.ts); without a handler it is closed. */
  onDataControl?: (channel: Duplex) => void;
  log: GatewayLogger;
}

export type TunnelState = 'connecting' | 'connected' | 'waiting' | 'stopped';

/** Emits 'connected' each time the relay registers the tunnel and 'disconnected' when it drops. */
export class TunnelClient extends EventEmitter {
  #state: TunnelState = 'waiting';
  #attempt = 0;
  #client: Ssh2Client | undefined;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #auth: { privateKey: string; certificate: string };

  constructor(private options: TunnelClientOptions) {
    super();
    this.#auth = ssh2UserCertificateAuth(readSshPrivateKey(options.sshPrivateKey), parseSshCertificate(options.sshCertificate));
  }

  /** A renewed key and certificate, used from the next connection on (the live one keeps running). */
  setCredentials(sshPrivateKey: string, sshCertificate: string): void {
    this.#auth = ssh2UserCertificateAuth(readSshPrivateKey(sshPrivateKey), parseSshCertificate(sshCertificate));
    this.options = { ...this.options, sshPrivateKey, sshCertificate };
  }

  get state(): TunnelState {
    return this.#state;
  }

  start(): void {
    if (this.#state === 'stopped') throw new Error('a stopped tunnel client cannot be restarted');
    this.#connect();
  }

  stop(): void {
    this.#state = 'stopped';
    clearTimeout(this.#retryTimer);
    this.#client?.end();
    this.#client = undefined;
  }

  #connect(): void {
    this.#state = 'connecting';
    const { relay, gatewayId, log } = this.options;
    const sock = net.connect({ host: relay.host, port: relay.port });
    sock.setNoDelay(true);
    const client = new Client();
    this.#client = client;
    let registered = false;
    client.on('ready', () => {
      client.forwardIn(gatewayId, GATEWAY_TUNNEL_PORT, (error) => {
        if (error) {
          log.warn({ event: 'tunnel_forward_refused', error: error.message }, 'the relay refused the tunnel');
          client.end();
          return;
        }
        registered = true;
        this.#attempt = 0;
        this.#state = 'connected';
        log.info({ event: 'tunnel_connected', relay: `${relay.host}:${relay.port}` }, 'tunnel to relay registered');
        this.emit('connected');
      });
    });
    client.on('tcp connection', (details, accept, reject) => {
      if (details.destIP !== gatewayId) return reject();
      const channel: ClientChannel = accept();
      if (details.srcIP !== DATA_CONTROL_ORIGIN) return this.options.onChannel(channel, { ip: details.srcIP, port: details.srcPort });
      if (this.options.onDataControl) this.options.onDataControl(channel);
      else channel.destroy();
    });
    client.on('error', (error) => {
      if ((error as { level?: string }).level === 'client-authentication') {
        log.error({ event: 'tunnel_auth_refused', ...this.#certificateFacts() }, this.#authRefusalAdvice());
      } else {
        log.warn({ event: 'tunnel_error', error: error.message }, 'tunnel connection failed');
      }
    });
    client.on('close', () => {
      if (registered) this.emit('disconnected');
      if (this.#client === client) this.#scheduleReconnect();
    });
    client.connect({
      sock, username: gatewayId, ...this.#auth, readyTimeout: this.options.readyTimeoutMs,
      keepaliveInterval: this.options.keepaliveIntervalMs, keepaliveCountMax: 3,
      algorithms: { serverHostKey: [...SSH2_HOST_CERT_ALGORITHMS_ONLY] as never, cipher: [...SSH2_FAST_CIPHERS] as never },
      hostVerifier: this.#verifyRelayHost(),
    });
  }

  /** What the relay checks in our certificate, for the log line when it refuses us (SSH carries no reason). */
  #certificateFacts(): { principals: string[]; keyId: string; validAfter: string; validBefore: string } {
    const certificate = parseSshCertificate(this.options.sshCertificate);
    const iso = (seconds: bigint) => (seconds >= BigInt(Number.MAX_SAFE_INTEGER) ? 'forever' : new Date(Number(seconds) * 1000).toISOString());
    return { principals: certificate.principals, keyId: certificate.keyId, validAfter: iso(certificate.validAfter), validBefore: iso(certificate.validBefore) };
  }

  #authRefusalAdvice(): string {
    const { validAfter, validBefore } = this.#certificateFacts();
    const now = new Date().toISOString();
    if (validBefore !== 'forever' && now >= validBefore) return `the relay refused the gateway's SSH certificate: it expired at ${validBefore}; re-enroll the gateway`;
    if (now < validAfter) return `the relay refused the gateway's SSH certificate: it is valid only from ${validAfter}; check this machine's clock`;
    return "the relay refused the gateway's SSH certificate (not from its Relay SSH Client CA, or revoked); re-enroll the gateway";
  }

  /** Accepts the relay's host certificate if any trusted Relay SSH Server CA signed it (several during a rotation). */
  #verifyRelayHost(): (hostKey: Buffer) => boolean {
    const { relay, log } = this.options;
    const verifiers = relay.hostCaKeys.map((caPublicKey) => hostCertificateVerifier({
      caPublicKey, principal: relay.hostPrincipal,
      onReject: (error) => log.warn({ event: 'relay_host_refused', error: error.message }, 'relay host certificate refused'),
    }));
    return (hostKey) => verifiers.some((verify) => verify(hostKey));
  }

  #scheduleReconnect(): void {
    if (this.#state === 'stopped') return;
    this.#state = 'waiting';
    const delay = backoffDelay(this.options.backoff, this.#attempt++);
    this.options.log.info({ event: 'tunnel_retry', delayMs: delay, attempt: this.#attempt }, 'reconnecting to relay');
    this.#retryTimer = setTimeout(() => this.#connect(), delay);
  }
}
