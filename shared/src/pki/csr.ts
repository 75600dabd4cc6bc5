/**
 * PKCS#10 certification requests (RFC 2986). The client and the gateway make their own key pair
 * and send a CSR; the server checks proof of possession (the CSR is signed by the key it names)
 * and signs a certificate whose names and parameters it decides itself: the CSR's subject is
 * informational only and never copied into a certificate.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { CertificationRequest } from '@peculiar/asn1-csr';
import { SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { X509BadSignatureError, X509MalformedError } from '../errors.ts';
import { assertP256Key, spkiDer } from './keys.ts';
import { OID_COMMON_NAME, OID_ECDSA_WITH_SHA256 } from './oids.ts';
import { fromPem } from './pem.ts';

const MAX_CSR_BYTES = 8192;
const CSR = 'certificate signing request';

export interface ParsedCertificateSigningRequest {
  publicKey: KeyObject;
  /** DER SubjectPublicKeyInfo with the uncompressed point, whatever form the CSR used. */
  subjectPublicKeyInfoDer: Buffer;
  /** The requester's suggested common name, for logs only. */
  commonName: string | undefined;
}

/** Written without the ASN.1 library, so the client's connect path need not load it: see csr-encode.ts. */
export { createCertificateSigningRequest } from './csr-encode.ts';

/** Parses a PEM or DER CSR, requires a P-256 key, and verifies the CSR's signature with that key. */
export function parseCertificateSigningRequest(input: string | Uint8Array): ParsedCertificateSigningRequest {
  const der = fromPem(input, 'CERTIFICATE REQUEST');
  if (der.byteLength > MAX_CSR_BYTES) throw new X509MalformedError(CSR, `it is ${der.byteLength} bytes, more than ${MAX_CSR_BYTES}`);
  let request: CertificationRequest;
  try {
    request = AsnConvert.parse(der, CertificationRequest);
  } catch (cause) {
    throw new X509MalformedError(CSR, `it is not PKCS#10 DER (${(cause as Error).message})`);
  }
  const info = request.certificationRequestInfo;
  if (request.signatureAlgorithm.algorithm !== OID_ECDSA_WITH_SHA256) {
    throw new X509MalformedError(CSR, `it is signed with ${request.signatureAlgorithm.algorithm}, not ecdsa-with-SHA256`);
  }
  const requestedSpki = Buffer.from(AsnConvert.serialize(info.subjectPKInfo));
  const publicKey = publicKeyOf(requestedSpki);
  assertP256Key(publicKey, CSR);
  const signedBytes = new Uint8Array(request.certificationRequestInfoRaw ?? AsnConvert.serialize(info));
  if (!verify('sha256', signedBytes, publicKey, new Uint8Array(request.signature))) {
    throw new X509BadSignatureError(CSR);
  }
  const cn = info.subject.flatMap((rdn) => rdn).find((atv) => atv.type === OID_COMMON_NAME);
  const canonical = requestedSpki.length === 91 && requestedSpki.subarray(0, P256_SPKI_PREFIX.length).equals(P256_SPKI_PREFIX);
  return { publicKey, subjectPublicKeyInfoDer: canonical ? requestedSpki : uncompressedSpki(publicKey), commonName: cn?.value.toString() };
}

/** SubjectPublicKeyInfo header of a named-curve P-256 key with an uncompressed point: what node:crypto exports. */
const P256_SPKI_PREFIX = Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex');

/**
 * node:crypto exports a key in the point form it was read in; a JWK round trip yields the
 * uncompressed form, which every TLS stack reads (Go's crypto/x509, for one, refuses compressed points).
 */
function uncompressedSpki(publicKey: KeyObject): Buffer {
  return spkiDer(createPublicKey({ key: publicKey.export({ format: 'jwk' }), format: 'jwk' }));
}

function publicKeyOf(spki: Buffer): KeyObject {
  try {
    return createPublicKey({ key: spki, format: 'der', type: 'spki' });
  } catch (cause) {
    throw new X509MalformedError(CSR, `its public key cannot be read (${(cause as Error).message})`);
  }
}
