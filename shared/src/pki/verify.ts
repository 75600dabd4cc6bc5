/**
 * Verifies a Postern leaf against the CAs trusted for one hop, at a given time, and says why it
 * is refused with a typed error. node:tls already runs OpenSSL's chain check during the
 * handshake; this verifier serves the places with no handshake (the server checking a cert it
 * is handed, tests) and adds Postern's own checks: role, org, and the CA's org and kind.
 */
import { X509Certificate } from 'node:crypto';
import {
  X509BadSignatureError, X509ExpiredError, X509MalformedError, X509NotYetValidError, X509WrongCaError,
  X509WrongOrgError, X509WrongUsageError,
} from '../errors.ts';
import { OID_KP_CLIENT_AUTH, OID_KP_SERVER_AUTH } from './oids.ts';
import type { CertificateRole } from './postern-extension.ts';
import { readCertificate, type CertificateInfo, type CertificateInput } from './read-certificate.ts';

export type CertificateUsage = 'serverAuth' | 'clientAuth';

export interface VerifyCertificateOptions {
  certificate: CertificateInput;
  /** The CA certificates trusted for this hop (several during a rotation). */
  trustedCas: readonly CertificateInput[];
  usage: CertificateUsage;
  /** The roles accepted here, e.g. ['session-client', 'platform-client'] at a gateway. */
  roles: readonly CertificateRole[];
  /** When set, the leaf and its CA must both belong to this org. */
  orgId?: string;
  at?: Date;
}

const USAGE_OIDS: Record<CertificateUsage, string> = { serverAuth: OID_KP_SERVER_AUTH, clientAuth: OID_KP_CLIENT_AUTH };

/** Returns the leaf's parsed content when every check passes; throws the first refusal otherwise. */
export function verifyCertificate(options: VerifyCertificateOptions): CertificateInfo {
  const at = options.at ?? new Date();
  const leaf = readCertificate(options.certificate);
  const ca = findSigningCa(leaf, options.trustedCas.map(readTrustedCa));
  checkValidity(ca, at);
  checkValidity(leaf, at);
  const purpose = USAGE_OIDS[options.usage];
  if (!leaf.extendedKeyUsage.includes(purpose)) throw new X509WrongUsageError(options.usage, leaf.extendedKeyUsage);
  if (ca.extendedKeyUsage.length && !ca.extendedKeyUsage.includes(purpose)) throw new X509WrongUsageError(`${options.usage} (by its CA)`, ca.extendedKeyUsage);
  if (!options.roles.includes(leaf.parameters.role)) throw new X509WrongUsageError(options.roles.join(' or '), [leaf.parameters.role]);
  if (options.orgId !== undefined) {
    if (leaf.parameters.orgId !== options.orgId) throw new X509WrongOrgError(options.orgId, leaf.parameters.orgId);
    if (ca.parameters.orgId !== undefined && ca.parameters.orgId !== options.orgId) throw new X509WrongOrgError(options.orgId, ca.parameters.orgId);
  }
  return leaf;
}

const TRUSTED_CA_CACHE_LIMIT = 256;
const trustedCaCache = new Map<string, CertificateInfo>();

/**
 * A trusted CA, parsed once per PEM: the relay and gateway verify every connection against the
 * same few CA certificates, and parsing them in JavaScript on each admission was ~15% of a
 * gateway's CPU per session opened. Only PEM strings are cached (the form config and the CA
 * store hand out); the cache is bounded, oldest entry out first.
 */
export function readTrustedCa(input: CertificateInput): CertificateInfo {
  if (typeof input !== 'string') return readCertificate(input);
  const cached = trustedCaCache.get(input);
  if (cached) return cached;
  const info = readCertificate(input);
  if (trustedCaCache.size >= TRUSTED_CA_CACHE_LIMIT) trustedCaCache.delete(trustedCaCache.keys().next().value!);
  trustedCaCache.set(input, info);
  return info;
}

/**
 * The trusted CA that signed `leaf`. No CA with the leaf's issuer name and key id means another
 * CA signed it (wrong CA); a matching CA whose key does not verify the signature means the
 * certificate was altered or forged (bad signature).
 */
function findSigningCa(leaf: CertificateInfo, trusted: CertificateInfo[]): CertificateInfo {
  const candidates = trusted.filter((ca) => ca.certificate.ca && leaf.certificate.checkIssued(ca.certificate));
  if (!candidates.length) throw new X509WrongCaError(leaf.certificate.issuer.replaceAll('\n', ', '), trusted.map((ca) => ca.certificate.subject.replaceAll('\n', ', ')));
  const signer = candidates.find((ca) => verifySignature(leaf.certificate, ca.certificate));
  if (!signer) throw new X509BadSignatureError('certificate');
  return signer;
}

function verifySignature(leaf: X509Certificate, ca: X509Certificate): boolean {
  try {
    return leaf.verify(ca.publicKey);
  } catch (cause) {
    throw new X509MalformedError('certificate', `its signature cannot be checked (${(cause as Error).message})`);
  }
}

function checkValidity(cert: CertificateInfo, at: Date): void {
  if (at.getTime() < cert.notBefore.getTime()) throw new X509NotYetValidError(cert.notBefore.toISOString(), at.toISOString());
  if (at.getTime() > cert.notAfter.getTime()) throw new X509ExpiredError(cert.notAfter.toISOString(), at.toISOString());
}
