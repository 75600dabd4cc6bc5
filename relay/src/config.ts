/**
 * The relay's whole configuration, read once at start (main.ts passes `process.env`) and passed
 * down. Each key, certificate and CA is given inline (`POSTERN_RELAY_X`) or as a file path
 * (`POSTERN_RELAY_X_FILE`); enrollment will write these files later. Fails at start naming the
 * variable. Uses only node:fs and zod, so it runs unchanged under Deno.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { configIssue, HOST_PORT_PATTERN, readConfigMaterial, splitHostPort, type EnvSource } from '@postern/shared/relay/config-material';

const hostPort = z.string().regex(HOST_PORT_PATTERN, { message: 'must be host:port (an IPv6 host in brackets)' }).transform(splitHostPort);
const milliseconds = z.coerce.number().int().positive();

export const zRelayEnv = z.object({
  POSTERN_RELAY_ID: z.string().min(1).max(128).default('relay'),
  /** Where gateways' outbound SSH connections arrive. */
  POSTERN_RELAY_SSH_LISTEN: hostPort.default({ host: '127.0.0.1', port: 8022 }),
  /** Where clients and the platform connect with TLS. */
  POSTERN_RELAY_TLS_LISTEN: hostPort.default({ host: '127.0.0.1', port: 8443 }),
  POSTERN_RELAY_FIRST_FRAME_TIMEOUT_MS: milliseconds.default(10_000),
  POSTERN_RELAY_HANDSHAKE_TIMEOUT_MS: milliseconds.default(10_000),
  /** How long the relay waits for a gateway to accept a forwarded channel. */
  POSTERN_RELAY_CHANNEL_OPEN_TIMEOUT_MS: milliseconds.default(10_000),
  /** Idle data connections each gateway keeps to the TLS port (data-pool.ts); 0 sends every session over the SSH tunnel. */
  POSTERN_RELAY_DATA_CONNECTIONS: z.coerce.number().int().min(0).max(64).default(4),
  /** The port gateways dial for data connections when it is not the TLS listener's (a proxy or NAT in front). */
  POSTERN_RELAY_DATA_PORT: z.coerce.number().int().min(1).max(65535).optional(),
});

/** Materials, each `NAME` (inline) or `NAME_FILE` (path), all required. */
const MATERIALS = {
  sshHostKey: 'POSTERN_RELAY_SSH_HOST_KEY',
  sshHostCertificate: 'POSTERN_RELAY_SSH_HOST_CERT',
  sshClientCaKeys: 'POSTERN_RELAY_SSH_CLIENT_CA',
  tlsCertificate: 'POSTERN_RELAY_TLS_CERT',
  tlsKey: 'POSTERN_RELAY_TLS_KEY',
  tlsClientCa: 'POSTERN_RELAY_TLS_CLIENT_CA',
} as const;
type MaterialName = keyof typeof MATERIALS;

export interface RelayConfig {
  relayId: string;
  sshListen: { host: string; port: number };
  tlsListen: { host: string; port: number };
  /** The relay's SSH host private key (OpenSSH or PKCS#8 PEM) and its host certificate line. */
  sshHostKey: string;
  sshHostCertificate: string;
  /** Relay SSH Client CA public keys (one `ssh-ed25519 AAAA…` line each; several during rotation). */
  sshClientCaKeys: string[];
  /** The relay's TLS server certificate (Relay PKI Server CA) and key, PEM. */
  tlsCertificate: string;
  tlsKey: string;
  /** Relay PKI Client CA certificates, PEM (several during rotation). */
  tlsClientCa: string;
  firstFrameTimeoutMs: number;
  handshakeTimeoutMs: number;
  channelOpenTimeoutMs: number;
  /** Idle data connections per gateway; absent means the default (4). */
  dataConnections?: number;
  /** The TLS port gateways are told to dial; absent means the listener's own. */
  dataPort?: number;
}

export function loadRelayConfig(env: EnvSource, readFile: (path: string) => string = (path) => readFileSync(path, 'utf8')): RelayConfig {
  const parsed = zRelayEnv.safeParse(env);
  if (!parsed.success) throw configIssue('Relay', parsed.error.issues[0]);
  const material = (name: MaterialName) => readConfigMaterial(env, MATERIALS[name], readFile, 'Relay');
  const e = parsed.data;
  return {
    relayId: e.POSTERN_RELAY_ID,
    sshListen: e.POSTERN_RELAY_SSH_LISTEN,
    tlsListen: e.POSTERN_RELAY_TLS_LISTEN,
    sshHostKey: material('sshHostKey'),
    sshHostCertificate: material('sshHostCertificate').trim(),
    sshClientCaKeys: material('sshClientCaKeys').split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('#')),
    tlsCertificate: material('tlsCertificate'),
    tlsKey: material('tlsKey'),
    tlsClientCa: material('tlsClientCa'),
    firstFrameTimeoutMs: e.POSTERN_RELAY_FIRST_FRAME_TIMEOUT_MS,
    handshakeTimeoutMs: e.POSTERN_RELAY_HANDSHAKE_TIMEOUT_MS,
    channelOpenTimeoutMs: e.POSTERN_RELAY_CHANNEL_OPEN_TIMEOUT_MS,
    dataConnections: e.POSTERN_RELAY_DATA_CONNECTIONS,
    ...(e.POSTERN_RELAY_DATA_PORT ? { dataPort: e.POSTERN_RELAY_DATA_PORT } : {}),
  };
}
