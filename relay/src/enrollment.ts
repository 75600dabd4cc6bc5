/**
 * A relay that enrolls itself: makes its SSH host key and TLS key (never sent anywhere), asks
 * the server for its certificates (`POST /api/v1/relays/enroll` with the instance enrollment
 * token for a managed relay, or an org machine identity's access token for a customer relay),
 * keeps them in its data folder (keys 0600), reuses them on restart while valid, and renews at
 * the server's `renewAfter`. Only fetch, node:crypto and node:fs: it runs under Deno too.
 */
import { createPublicKey } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { createCertificateSigningRequest, exportPrivateKeyPem, generatePkiKeyPair, importPrivateKey } from '@postern/shared/pki/index';
import { readSshPrivateKey } from '@postern/shared/relay/ssh-key-material';
import { formatPublicKeyLine, generateEd25519KeyPair } from '@postern/shared/ssh/keys';
import { encodeOpenSshPrivateKey } from '@postern/shared/ssh/private-key';
import type { RelayConfig } from './config.ts';

const zRelayAnswer = z.object({
  relayId: z.string(), name: z.string(), clientTlsAddress: z.string(), gatewaySshAddress: z.string(),
  sshHostCertificate: z.string(), tlsCertificate: z.string(),
  relaySshClientCaPublicKeys: z.array(z.string()), relayPkiClientCaCertificates: z.array(z.string()),
  issuedAt: z.string(), expiresAt: z.string(), renewAfter: z.string(),
});
export type RelayEnrollment = z.infer<typeof zRelayAnswer>;

export interface RelayEnrollmentOptions {
  serverUrl: string;
  /** Bearer token: the instance relay enrollment token, or an org machine identity access token. */
  token: string;
  name: string;
  dataDir: string;
  /** What the relay tells the server to hand out (defaults: the server's configured addresses). */
  clientTlsAddress?: string | undefined;
  gatewaySshAddress?: string | undefined;
  now?: () => Date;
  fetch?: typeof fetch;
}

export class RelayEnrollmentRefusedError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(`The server refused the relay (${status} ${code}): ${message}`);
  }
}

interface RelayKeys { sshHostKey: string; tlsKey: string }

function loadOrCreateKeys(dataDir: string): RelayKeys {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const sshPath = join(dataDir, 'ssh_host_key');
  const tlsPath = join(dataDir, 'tls_key.pem');
  if (!existsSync(sshPath)) writeAtomic(sshPath, encodeOpenSshPrivateKey(generateEd25519KeyPair().privateKey, 'postern-relay'));
  if (!existsSync(tlsPath)) writeAtomic(tlsPath, exportPrivateKeyPem(generatePkiKeyPair().privateKey));
  return { sshHostKey: readFileSync(sshPath, 'utf8'), tlsKey: readFileSync(tlsPath, 'utf8') };
}

function keysRequest(keys: RelayKeys): { sshHostPublicKey: string; csr: string } {
  const tlsPrivate = importPrivateKey(keys.tlsKey);
  return {
    sshHostPublicKey: formatPublicKeyLine(createPublicKey(readSshPrivateKey(keys.sshHostKey)), 'postern-relay'),
    csr: createCertificateSigningRequest({ privateKey: tlsPrivate, publicKey: createPublicKey(tlsPrivate) }, 'postern-relay'),
  };
}

async function callServer(options: RelayEnrollmentOptions, path: string, body: unknown): Promise<RelayEnrollment> {
  const response = await (options.fetch ?? fetch)(`${options.serverUrl.replace(/\/+$/, '')}${path}`, {
    method: 'POST', body: JSON.stringify(body), signal: AbortSignal.timeout(15_000),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${options.token}` },
  });
  const text = await response.text();
  if (!response.ok) {
    let error = { code: 'server_error', message: text.slice(0, 300) };
    try { error = (JSON.parse(text) as { error: typeof error }).error ?? error; } catch { /* not JSON: keep the text */ }
    throw new RelayEnrollmentRefusedError(response.status, error.code, error.message);
  }
  return zRelayAnswer.parse(JSON.parse(text));
}

/** Stored certificates while valid, else a new enrollment. */
export async function obtainRelayEnrollment(options: RelayEnrollmentOptions): Promise<{ keys: RelayKeys; enrollment: RelayEnrollment; reused: boolean }> {
  const keys = loadOrCreateKeys(options.dataDir);
  const path = join(options.dataDir, 'enrollment.json');
  const now = (options.now ?? (() => new Date()))().getTime();
  if (existsSync(path)) {
    const stored = zRelayAnswer.parse(JSON.parse(readFileSync(path, 'utf8')));
    if (Date.parse(stored.expiresAt) > now && stored.name === options.name) return { keys, enrollment: stored, reused: true };
  }
  const enrollment = await callServer(options, '/api/v1/relays/enroll', {
    ...keysRequest(keys), name: options.name,
    ...(options.clientTlsAddress ? { clientTlsAddress: options.clientTlsAddress } : {}),
    ...(options.gatewaySshAddress ? { gatewaySshAddress: options.gatewaySshAddress } : {}),
  });
  writeAtomic(path, JSON.stringify(enrollment, null, 2));
  return { keys, enrollment, reused: false };
}

export async function renewRelayEnrollment(options: RelayEnrollmentOptions, keys: RelayKeys, current: RelayEnrollment): Promise<RelayEnrollment> {
  const enrollment = await callServer(options, `/api/v1/relays/${encodeURIComponent(current.relayId)}/renew`, keysRequest(keys));
  writeAtomic(join(options.dataDir, 'enrollment.json'), JSON.stringify(enrollment, null, 2));
  return enrollment;
}

/** The relay's config from its enrollment; listen addresses and timeouts come from `base`. */
export function relayConfigFromEnrollment(base: Pick<RelayConfig, 'sshListen' | 'tlsListen' | 'firstFrameTimeoutMs' | 'handshakeTimeoutMs' | 'channelOpenTimeoutMs' | 'dataConnections' | 'dataPort'>, keys: RelayKeys, enrollment: RelayEnrollment): RelayConfig {
  return {
    ...base,
    relayId: enrollment.relayId,
    sshHostKey: keys.sshHostKey,
    sshHostCertificate: enrollment.sshHostCertificate.trim(),
    sshClientCaKeys: enrollment.relaySshClientCaPublicKeys,
    tlsCertificate: enrollment.tlsCertificate,
    tlsKey: keys.tlsKey,
    tlsClientCa: enrollment.relayPkiClientCaCertificates.join('\n'),
  };
}

function writeAtomic(path: string, text: string): void {
  const aside = `${path}.${process.pid}.tmp`;
  writeFileSync(aside, text, { mode: 0o600 });
  renameSync(aside, path);
}
