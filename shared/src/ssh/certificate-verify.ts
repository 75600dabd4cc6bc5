/**
 * Verifies an OpenSSH certificate the way sshd does for TrustedUserCAKeys and ssh does for
 * `@cert-authority`: signed by the trusted CA, of the expected type, naming the principal,
 * inside its validity window, with no critical option we do not understand.
 */
import type { KeyObject } from 'node:crypto';
import {
  SshCertificateBadSignatureError, SshCertificateExpiredError, SshCertificateMalformedError,
  SshCertificateNotYetValidError, SshCertificateWrongCaError, SshCertificateWrongPrincipalError,
  SshCertificateWrongSourceAddressError, SshCertificateWrongTypeError,
} from '../errors.ts';
import { KNOWN_CRITICAL_OPTIONS, parseSshCertificate, SSH_CERT_FOREVER, type SshCertificate, type SshCertificateType } from './certificate.ts';
import { fingerprintSha256, parsePublicKeyBlob, parsePublicKeyLine, publicKeyBlobFromKeyObject } from './keys.ts';
import { verifySshSignature } from './signature.ts';
import { sourceAddressAllows } from './source-address.ts';

export interface SshCertificateExpectations {
  /** The trusted CA: a KeyObject, its SSH blob, or its `ssh-ed25519 AAAA…` line. */
  caPublicKey: KeyObject | Uint8Array | string;
  certType: SshCertificateType;
  /** The user name (user certs) or host name (host certs) the certificate must list. */
  principal: string;
  now: Date;
  /**
   * The connecting client's IP address, checked against a `source-address` critical option.
   * A certificate restricted to source addresses is refused when this is not given.
   */
  clientAddress?: string | undefined;
}

function caBlobOf(ca: KeyObject | Uint8Array | string): Buffer {
  if (typeof ca === 'string') return parsePublicKeyLine(ca).blob;
  if (ca instanceof Uint8Array) return parsePublicKeyBlob(ca).blob;
  return publicKeyBlobFromKeyObject(ca);
}

function isoSeconds(seconds: bigint): string {
  if (seconds === SSH_CERT_FOREVER) return 'forever';
  return new Date(Number(seconds) * 1000).toISOString();
}

function checkValidity(certificate: SshCertificate, now: Date): void {
  const nowSeconds = BigInt(Math.floor(now.getTime() / 1000));
  if (nowSeconds < certificate.validAfter) {
    throw new SshCertificateNotYetValidError(isoSeconds(certificate.validAfter), now.toISOString());
  }
  if (nowSeconds >= certificate.validBefore) {
    throw new SshCertificateExpiredError(isoSeconds(certificate.validBefore), now.toISOString());
  }
}

/**
 * Parses (if needed) and verifies a certificate; returns it when every check passes, otherwise
 * throws the SshCertificateError subclass naming the first failed check.
 */
export function verifySshCertificate(input: SshCertificate | Uint8Array | string, expected: SshCertificateExpectations): SshCertificate {
  const certificate = typeof input === 'string' || input instanceof Uint8Array ? parseSshCertificate(input) : input;
  const caBlob = caBlobOf(expected.caPublicKey);
  if (!certificate.signatureKey.blob.equals(caBlob)) {
    throw new SshCertificateWrongCaError(fingerprintSha256(caBlob), fingerprintSha256(certificate.signatureKey.blob));
  }
  let signatureValid: boolean;
  try {
    signatureValid = verifySshSignature(certificate.signatureKey.keyObject, certificate.signedBytes, certificate.signature);
  } catch {
    signatureValid = false;
  }
  if (!signatureValid) throw new SshCertificateBadSignatureError();
  if (certificate.certType !== expected.certType) {
    throw new SshCertificateWrongTypeError(expected.certType, certificate.certType);
  }
  if (!certificate.principals.includes(expected.principal)) {
    throw new SshCertificateWrongPrincipalError(expected.principal, certificate.principals);
  }
  checkValidity(certificate, expected.now);
  const known: readonly string[] = KNOWN_CRITICAL_OPTIONS;
  const unknown = Object.keys(certificate.criticalOptions).filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new SshCertificateMalformedError(`it carries critical option(s) ${unknown.join(', ')} that must be understood and are not`);
  }
  const allowedSources = certificate.criticalOptions['source-address'];
  if (allowedSources !== undefined) {
    if (expected.clientAddress === undefined || !sourceAddressAllows(allowedSources, expected.clientAddress)) {
      throw new SshCertificateWrongSourceAddressError(allowedSources, expected.clientAddress);
    }
  }
  return certificate;
}
