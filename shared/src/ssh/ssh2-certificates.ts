/**
 * The seam between our OpenSSH certificates and ssh2 (patched, see patches/ssh2+*.patch and
 * docs/architecture.md "OpenSSH certificates and ssh2"). Nothing here imports ssh2: these
 * functions build the config values the patched ssh2 understands and check what it hands back.
 *
 * - Gateway → relay / target sshd (ssh2 Client): `ssh2UserCertificateAuth` gives
 *   `{ privateKey, certificate }` for the Client config; `hostCertificateVerifier` and
 *   `SSH2_HOST_KEY_ALGORITHMS_WITH_CERTS` make it accept only a host certificate from a CA.
 * - Relay (ssh2 Server): `ssh2HostKeyWithCertificate` is a `hostKeys` entry presenting a host
 *   certificate; `verifyCertificateAuthentication` checks a `publickey` authentication context.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { SshCertificateBadSignatureError, SshCertificateMalformedError } from '../errors.ts';
import { formatCertificateLine, isCertificateKeyType, parseSshCertificate, type SshCertificate } from './certificate.ts';
import { verifySshCertificate, type SshCertificateExpectations } from './certificate-verify.ts';
import { encodeOpenSshPrivateKey } from './private-key.ts';

/** Host key algorithms for an ssh2 Client that wants a host certificate: certificates first. */
export const SSH2_HOST_KEY_ALGORITHMS_WITH_CERTS: readonly string[] = [
  'ssh-ed25519-cert-v01@openssh.com',
  'ecdsa-sha2-nistp256-cert-v01@openssh.com',
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'rsa-sha2-512',
  'rsa-sha2-256',
];

/** Host key algorithms for a client that must see a host certificate and nothing else. */
export const SSH2_HOST_CERT_ALGORITHMS_ONLY: readonly string[] = [
  'ssh-ed25519-cert-v01@openssh.com',
  'ecdsa-sha2-nistp256-cert-v01@openssh.com',
];

/** Ciphers in speed order on this hardware: AES-GCM first (see DESIGN.md throughput figures). */
export const SSH2_FAST_CIPHERS: readonly string[] = [
  'aes128-gcm@openssh.com',
  'aes256-gcm@openssh.com',
  'chacha20-poly1305@openssh.com',
  'aes128-ctr',
  'aes256-ctr',
];

/** The `privateKey` + `certificate` pair for an ssh2 Client config (or an authHandler publickey entry). */
export function ssh2UserCertificateAuth(privateKey: KeyObject, certificate: SshCertificate): { privateKey: string; certificate: string } {
  if (!createPublicKey(privateKey).equals(certificate.publicKey.keyObject)) {
    throw new SshCertificateMalformedError('the certificate was issued for a different key than the one given');
  }
  return { privateKey: encodeOpenSshPrivateKey(privateKey), certificate: formatCertificateLine(certificate) };
}

/** An ssh2 Server `hostKeys` entry that presents `certificate` for `privateKey`. */
export function ssh2HostKeyWithCertificate(privateKey: KeyObject, certificate: SshCertificate): { key: string; certificate: string } {
  const { privateKey: key, certificate: line } = ssh2UserCertificateAuth(privateKey, certificate);
  return { key, certificate: line };
}

export interface HostCertificateVerifierOptions {
  caPublicKey: SshCertificateExpectations['caPublicKey'];
  /** The name the host certificate must list (the relay's host name, a target's address…). */
  principal: string;
  now?: () => Date;
  /** Told why a host was refused, for logs; the connection fails either way. */
  onReject?: (error: Error) => void;
}

/**
 * An ssh2 `hostVerifier` that accepts the server only if it presents a host certificate signed by
 * the CA for `principal` and valid now. ssh2 then checks the key exchange signature against the
 * certificate's key, so a stolen certificate without its private key does not pass.
 */
export function hostCertificateVerifier(options: HostCertificateVerifierOptions): (hostKey: Buffer) => boolean {
  return (hostKey) => {
    try {
      verifySshCertificate(hostKey, {
        caPublicKey: options.caPublicKey, certType: 'host', principal: options.principal, now: options.now?.() ?? new Date(),
      });
      return true;
    } catch (error) {
      options.onReject?.(error as Error);
      return false;
    }
  };
}

/** The parts of ssh2's server-side `publickey` authentication context that we check. */
export interface Ssh2PublicKeyAuthContext {
  key: { algo: string; data: Buffer };
  /** Absent on the first "would you accept this key?" query; present on the signed attempt. */
  signature?: Buffer | undefined;
  blob?: Buffer | undefined;
  hashAlgo?: string | undefined;
}

const ECDSA_HASH_BY_CURVE: Record<string, string> = { 'prime256v1': 'sha256', 'secp384r1': 'sha384', 'secp521r1': 'sha512' };

/** ssh2 hands the signature over already converted: raw for ed25519/RSA, DER for ECDSA. */
function verifyConvertedSignature(key: KeyObject, data: Buffer, signature: Buffer, hashAlgo: string | undefined): boolean {
  try {
    if (key.asymmetricKeyType === 'ed25519') return verify(null, data, key, signature);
    if (key.asymmetricKeyType === 'ec') {
      const hash = ECDSA_HASH_BY_CURVE[key.asymmetricKeyDetails?.namedCurve ?? ''];
      return hash !== undefined && verify(hash, data, key, signature);
    }
    return verify(hashAlgo ?? 'sha1', data, key, signature);
  } catch {
    return false;
  }
}

/**
 * Checks an ssh2 Server `publickey` authentication that presents a user certificate: the
 * certificate against the CA (type user, principal, validity) and, on the signed attempt, the
 * signature with the certificate's key. Returns the certificate; throws SshCertificateError.
 */
export function verifyCertificateAuthentication(
  context: Ssh2PublicKeyAuthContext,
  expected: Omit<SshCertificateExpectations, 'certType'>,
): SshCertificate {
  if (!isCertificateKeyType(context.key.algo)) {
    throw new SshCertificateMalformedError(`the client offered a plain ${context.key.algo} key; a certificate is required`);
  }
  const certificate = parseSshCertificate(context.key.data);
  if (certificate.certKeyType !== context.key.algo) {
    throw new SshCertificateMalformedError(`the request names ${context.key.algo} but carries a ${certificate.certKeyType}`);
  }
  verifySshCertificate(certificate, { ...expected, certType: 'user' });
  if (context.signature && context.blob) {
    if (!verifyConvertedSignature(certificate.publicKey.keyObject, context.blob, context.signature, context.hashAlgo)) {
      throw new SshCertificateBadSignatureError('The SSH authentication signature does not verify with the certificate key: the client does not hold its private key.');
    }
  }
  return certificate;
}
