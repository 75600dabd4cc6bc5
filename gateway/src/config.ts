/**
 * The gateway's whole configuration, read once at start (main.ts passes `process.env`).
 * Certificates come from config or files for now; enrollment (`--server URL --token T`) will
 * write the same files. The gateway id and org are read from its gateway server certificate,
 * so they cannot disagree with what clients pin; the SSH certificate must name the same id.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ValidationError } from '@postern/shared/errors';
import { readGatewayId, readOrgId } from '@postern/shared/pki/peer-identity';
import { configIssue, HOST_PORT_PATTERN, readConfigMaterial, splitHostPort, type EnvSource } from '@postern/shared/relay/config-material';
import { parseGatewayKeyId } from '@postern/shared/relay/gateway-ssh-identity';
import { parseSshCertificate } from '@postern/shared/ssh/certificate';
import { DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.ts';

const milliseconds = z.coerce.number().int().positive();

export const zGatewayEnv = z.object({
  /** The relay's SSH listener, host:port. */
  POSTERN_GATEWAY_RELAY: z.string().regex(HOST_PORT_PATTERN, { message: 'must be host:port (an IPv6 host in brackets)' }).transform(splitHostPort),
  /** The name the relay's host certificate must list; defaults to the relay host. */
  POSTERN_GATEWAY_RELAY_HOST_PRINCIPAL: z.string().min(1).optional(),
  /** e.g. `https://server/api/v1/pam/sessions/{sessionId}/status`: GET answers `{"active": true|false, …}`. */
  POSTERN_GATEWAY_SESSION_CHECK_URL: z.string().url().refine((url) => url.includes('%7BsessionId%7D') || url.includes('{sessionId}'), { message: 'must contain {sessionId}' }),
  /** The gateway's machine identity access token, sent as a bearer token to the session check. */
  POSTERN_GATEWAY_SESSION_CHECK_TOKEN: z.string().min(1).optional(),
  POSTERN_GATEWAY_BACKOFF_INITIAL_MS: milliseconds.default(DEFAULT_BACKOFF.initialMs),
  POSTERN_GATEWAY_BACKOFF_MAX_MS: milliseconds.default(DEFAULT_BACKOFF.maxMs),
  POSTERN_GATEWAY_READY_TIMEOUT_MS: milliseconds.default(10_000),
  POSTERN_GATEWAY_KEEPALIVE_MS: milliseconds.default(15_000),
  POSTERN_GATEWAY_HANDSHAKE_TIMEOUT_MS: milliseconds.default(10_000),
  POSTERN_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

const MATERIALS = {
  sshPrivateKey: 'POSTERN_GATEWAY_SSH_KEY',
  sshCertificate: 'POSTERN_GATEWAY_SSH_CERT',
  relayHostCaKeys: 'POSTERN_GATEWAY_RELAY_HOST_CA',
  tlsCertificate: 'POSTERN_GATEWAY_TLS_CERT',
  tlsKey: 'POSTERN_GATEWAY_TLS_KEY',
  tlsClientCa: 'POSTERN_GATEWAY_TLS_CLIENT_CA',
} as const;

export interface GatewayConfig {
  gatewayId: string;
  orgId: string;
  relay: { host: string; port: number; hostPrincipal: string; hostCaKeys: string[] };
  sshPrivateKey: string;
  sshCertificate: string;
  /** Gateway server certificate (org Gateway Server CA) and key, PEM. */
  tlsCertificate: string;
  tlsKey: string;
  /** Org Gateway Client CA certificate(s), PEM bundle. */
  tlsClientCa: string;
  sessionCheck: { urlTemplate: string; token: string | undefined };
  backoff: BackoffPolicy;
  readyTimeoutMs: number;
  keepaliveIntervalMs: number;
  handshakeTimeoutMs: number;
  logLevel: z.infer<typeof zGatewayEnv>['POSTERN_LOG_LEVEL'];
}

export function loadGatewayConfig(env: EnvSource, readFile: (path: string) => string = (path) => readFileSync(path, 'utf8')): GatewayConfig {
  const parsed = zGatewayEnv.safeParse(env);
  if (!parsed.success) throw configIssue('Gateway', parsed.error.issues[0]);
  const e = parsed.data;
  const material = (name: keyof typeof MATERIALS) => readConfigMaterial(env, MATERIALS[name], readFile, 'Gateway');
  const tlsCertificate = material('tlsCertificate');
  const sshCertificate = material('sshCertificate').trim();
  const { gatewayId, orgId } = identityOf(tlsCertificate, sshCertificate);
  return {
    gatewayId, orgId,
    relay: {
      host: e.POSTERN_GATEWAY_RELAY.host, port: e.POSTERN_GATEWAY_RELAY.port,
      hostPrincipal: e.POSTERN_GATEWAY_RELAY_HOST_PRINCIPAL ?? e.POSTERN_GATEWAY_RELAY.host,
      hostCaKeys: material('relayHostCaKeys').split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('#')),
    },
    sshPrivateKey: material('sshPrivateKey'), sshCertificate, tlsCertificate, tlsKey: material('tlsKey'), tlsClientCa: material('tlsClientCa'),
    sessionCheck: { urlTemplate: e.POSTERN_GATEWAY_SESSION_CHECK_URL, token: e.POSTERN_GATEWAY_SESSION_CHECK_TOKEN },
    backoff: { ...DEFAULT_BACKOFF, initialMs: e.POSTERN_GATEWAY_BACKOFF_INITIAL_MS, maxMs: e.POSTERN_GATEWAY_BACKOFF_MAX_MS },
    readyTimeoutMs: e.POSTERN_GATEWAY_READY_TIMEOUT_MS,
    keepaliveIntervalMs: e.POSTERN_GATEWAY_KEEPALIVE_MS,
    handshakeTimeoutMs: e.POSTERN_GATEWAY_HANDSHAKE_TIMEOUT_MS,
    logLevel: e.POSTERN_LOG_LEVEL,
  };
}

/** The gateway id and org from the TLS certificate, checked against the SSH certificate. */
export function identityOf(tlsCertificate: string, sshCertificate: string): { gatewayId: string; orgId: string } {
  const gatewayId = readGatewayId(tlsCertificate);
  const orgId = readOrgId(tlsCertificate);
  const ssh = parseSshCertificate(sshCertificate);
  if (!ssh.principals.includes(gatewayId) || parseGatewayKeyId(ssh.keyId) !== orgId) {
    throw new ValidationError(`Gateway configuration: the SSH certificate (principals ${ssh.principals.join(', ')}, key id ${ssh.keyId}) is not for gateway ${gatewayId} of org ${orgId}, which the TLS certificate names; re-enroll the gateway.`, { variable: MATERIALS.sshCertificate });
  }
  return { gatewayId, orgId };
}
