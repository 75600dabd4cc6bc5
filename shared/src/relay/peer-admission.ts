/**
 * Decides whether the client certificate a TLS peer presented may pass one hop (relay or
 * gateway), and says why not in words a client can act on. Both listeners run TLS with
 * `rejectUnauthorized: false` so that a refusal can be reported in a status frame instead of a
 * bare close: this function is then the gate, and it requires BOTH OpenSSL's chain verdict
 * (`authorized`) and Postern's own checks (verifyCertificate: CA, validity, usage, role, org).
 */
import type { X509Certificate } from 'node:crypto';
import { PosternError, X509CertificateError } from '../errors.ts';
import type { CertificateRole } from '../pki/postern-extension.ts';
import type { CertificateInfo } from '../pki/read-certificate.ts';
import { verifyCertificate, type VerifyCertificateOptions } from '../pki/verify.ts';

export interface TlsPeerVerdict {
  /** `socket.getPeerX509Certificate()` */
  peerCertificate: X509Certificate | undefined;
  /** `socket.authorized` and `socket.authorizationError` from OpenSSL's chain check. */
  authorized: boolean;
  authorizationError: Error | string | null | undefined;
}

export class ClientCertificateRefusedError extends PosternError {
  constructor(problem: string, reason: string) {
    super('client_certificate_refused', 401, `Your client certificate was refused: ${problem}`, { reason });
  }
}

export interface AdmissionRules {
  trustedCas: VerifyCertificateOptions['trustedCas'];
  roles: readonly CertificateRole[];
  orgId?: string;
  at?: Date;
}

/** The verified certificate's content, or a ClientCertificateRefusedError saying what is wrong. */
export function admitPeerCertificate(verdict: TlsPeerVerdict, rules: AdmissionRules): CertificateInfo {
  if (!verdict.peerCertificate) {
    throw new ClientCertificateRefusedError('none was presented; connect with the certificate and key from your session.', 'missing');
  }
  let info: CertificateInfo;
  try {
    info = verifyCertificate({
      certificate: verdict.peerCertificate, trustedCas: rules.trustedCas, usage: 'clientAuth', roles: rules.roles,
      ...(rules.orgId !== undefined ? { orgId: rules.orgId } : {}), ...(rules.at ? { at: rules.at } : {}),
    });
  } catch (error) {
    if (error instanceof X509CertificateError) throw new ClientCertificateRefusedError(error.message, error.reason);
    throw new ClientCertificateRefusedError(`it cannot be read (${(error as Error).message}).`, 'malformed');
  }
  if (!verdict.authorized) {
    const why = String((verdict.authorizationError as Error | undefined)?.message ?? verdict.authorizationError ?? 'unknown');
    throw new ClientCertificateRefusedError(`TLS verification failed (${why}); request a new certificate.`, 'tls_verification');
  }
  return info;
}
