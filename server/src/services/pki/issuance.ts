import { randomBytes } from 'node:crypto';
import { SshKeyError, ValidationError } from '@postern/shared/errors';
import { parseCertificateSigningRequest, type ParsedCertificateSigningRequest } from '@postern/shared/pki/index';
import { formatCertificateLine, signSshCertificate, type SshCertificateType } from '@postern/shared/ssh/certificate';
import { fingerprintSha256, parsePublicKeyLine, type SshPublicKey } from '@postern/shared/ssh/keys';
import type { RelayRow } from '../../db/schema/index.ts';
import type { CaOwner, SshCa } from './ca-store.ts';

/** Small pieces every issuing service shares: key and CSR intake, SSH certificates, lifetimes. */

/** Certificates start this far in the past, so a peer whose clock runs a little behind accepts them. */
export const CLOCK_SKEW_MS = 5 * 60_000;

/** Renew when this share of a certificate's lifetime has passed. */
const RENEW_AT_FRACTION = 2 / 3;

export function renewAfter(issuedAt: Date, expiresAt: Date): Date {
  return new Date(issuedAt.getTime() + (expiresAt.getTime() - issuedAt.getTime()) * RENEW_AT_FRACTION);
}

/** A requester's SSH public key: one `ssh-ed25519 AAAA…` line, the only key type Postern signs. */
export function readEd25519PublicKey(line: string, field: string): SshPublicKey {
  let key: SshPublicKey;
  try {
    key = parsePublicKeyLine(line);
  } catch (error) {
    if (error instanceof SshKeyError) throw new SshKeyError(`${field}: ${error.message}`, { field });
    throw error;
  }
  if (key.type !== 'ssh-ed25519') {
    throw new SshKeyError(`${field} is a ${key.type} key; Postern signs ed25519 keys only (ssh-keygen -t ed25519).`, { field, type: key.type });
  }
  return key;
}

export function readCsr(pem: string): ParsedCertificateSigningRequest {
  return parseCertificateSigningRequest(pem);
}

export interface SshCertificateIssue {
  ca: SshCa;
  certType: SshCertificateType;
  publicKey: SshPublicKey;
  keyId: string;
  principals: string[];
  now: Date;
  validBefore: Date;
  extensions?: Record<string, string>;
}

/** Signs an OpenSSH certificate with a random 64-bit serial; returns its `*-cert.pub` line. */
export function issueSshCertificate(request: SshCertificateIssue): { line: string; serial: string; fingerprint: string; validBefore: Date } {
  const serial = randomBytes(8).readBigUInt64BE();
  const certificate = signSshCertificate({
    certType: request.certType,
    publicKey: request.publicKey.blob,
    caPrivateKey: request.ca.privateKey,
    serial,
    keyId: request.keyId,
    principals: request.principals,
    validAfter: new Date(request.now.getTime() - CLOCK_SKEW_MS),
    validBefore: request.validBefore,
    ...(request.extensions ? { extensions: request.extensions } : {}),
  });
  return { line: formatCertificateLine(certificate), serial: serial.toString(), fingerprint: fingerprintSha256(request.publicKey.blob), validBefore: request.validBefore };
}

/** Whose relay CAs serve a relay: the instance's for a managed relay, the org's for a customer relay. */
export function relayCaOwner(relay: Pick<RelayRow, 'scope' | 'orgId'>): CaOwner {
  return relay.scope === 'instance' ? { scope: 'instance' } : { scope: 'org', orgId: relay.orgId! };
}

/** `host:port` → host without IPv6 brackets, and port. */
export function splitHostPort(address: string): { host: string; port: number } {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(address);
  if (!match) throw new ValidationError(`"${address}" is not host:port (an IPv6 host in brackets).`, { address });
  return { host: match[1] ?? match[2]!, port: Number(match[3]) };
}
