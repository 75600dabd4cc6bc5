/**
 * Writing a PKCS#10 request (RFC 2986) for a P-256 key without the ASN.1 schema library: the
 * request has one fixed shape (version 0, a one-CN subject, the key's SPKI as node:crypto exports
 * it, no attributes, ecdsa-with-SHA256), so it is framed from DER parts (der.ts) and signed with
 * node:crypto. The client's connect path then does not load asn1js/@peculiar (~50 ms of CPU in the
 * CLI bundle) before it can ask for a session. csr.ts parses and verifies requests (the server),
 * and its tests parse these back and check them with openssl.
 */
import { derBitString, derExplicit, derSequence, derTlv } from './der.ts';
import { assertP256Key, signEcdsaSha256, spkiDer, type PkiKeyPair } from './keys.ts';
import { toPem } from './pem.ts';

/** OBJECT IDENTIFIER 2.5.4.3 (id-at-commonName), DER. */
const DER_OID_COMMON_NAME = Buffer.from([0x06, 0x03, 0x55, 0x04, 0x03]);
/** AlgorithmIdentifier { ecdsa-with-SHA256 (1.2.840.10045.4.3.2) }, no parameters (RFC 5758 §3.2). */
const DER_ECDSA_WITH_SHA256 = derSequence(Buffer.from([0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]));
const DER_VERSION_0 = Buffer.from([0x02, 0x01, 0x00]);
const TAG_UTF8_STRING = 0x0c;
const TAG_SET = 0x31;

/** A PEM CSR for `keys`, signed with its private key (proof of possession). */
export function createCertificateSigningRequest(keys: PkiKeyPair, commonName: string): string {
  assertP256Key(keys.privateKey, 'CSR key');
  const subject = derSequence(derTlv(TAG_SET, derSequence(DER_OID_COMMON_NAME, derTlv(TAG_UTF8_STRING, Buffer.from(commonName, 'utf8')))));
  const info = derSequence(DER_VERSION_0, subject, spkiDer(keys.publicKey), derExplicit(0));
  const request = derSequence(info, DER_ECDSA_WITH_SHA256, derBitString(signEcdsaSha256(info, keys.privateKey)));
  return toPem(new Uint8Array(request), 'CERTIFICATE REQUEST');
}
