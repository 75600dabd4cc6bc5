/**
 * Builds and signs X.509 v3 certificates: @peculiar/asn1-x509 encodes the parts, der.ts frames
 * them, node:crypto signs.
 * Every Postern certificate goes through signCertificate so that each one carries the same
 * baseline: random positive serial, ECDSA-with-SHA256, subject and authority key identifiers.
 */
import { randomBytes, type KeyObject } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier, AttributeTypeAndValue, AttributeValue, AuthorityKeyIdentifier, Extension, Name,
  RelativeDistinguishedName, SubjectKeyIdentifier, Validity, id_ce_authorityKeyIdentifier, id_ce_subjectKeyIdentifier,
} from '@peculiar/asn1-x509';
import { derBitString, derExplicit, derSequence, derUnsignedInteger } from './der.ts';
import { ValidationError } from '../errors.ts';
import { keyIdentifier, signEcdsaSha256 } from './keys.ts';
import { OID_COMMON_NAME, OID_ECDSA_WITH_SHA256, OID_ORGANIZATION, OID_ORGANIZATIONAL_UNIT } from './oids.ts';

/** How far notBefore is set back so a peer whose clock runs a little behind still accepts a fresh cert. */
export const CLOCK_SKEW_MS = 5 * 60_000;

export interface DistinguishedName {
  commonName: string;
  organization?: string;
  organizationalUnit?: string;
}

export interface CertificateToSign {
  /** DER of the subject Name (encodeName). */
  subjectDer: Uint8Array;
  /** DER of the issuing CA's subject Name, byte for byte as in the CA certificate. */
  issuerDer: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  subjectPublicKeyInfoDer: Uint8Array;
  /** Key identifier of the issuing CA; omitted for a self-signed CA (it is then the subject's own). */
  authorityKeyIdentifier?: Uint8Array;
  /** DER of each Extension (makeExtension); key identifiers are added here. */
  extensions: Uint8Array[];
  signingKey: KeyObject;
}

export function makeName(dn: DistinguishedName): Name {
  const rdn = (type: string, text: string) =>
    new RelativeDistinguishedName([new AttributeTypeAndValue({ type, value: new AttributeValue({ utf8String: text }) })]);
  const rdns = [];
  if (dn.organization) rdns.push(rdn(OID_ORGANIZATION, dn.organization));
  if (dn.organizationalUnit) rdns.push(rdn(OID_ORGANIZATIONAL_UNIT, dn.organizationalUnit));
  rdns.push(rdn(OID_COMMON_NAME, dn.commonName));
  return new Name(rdns);
}

export function encodeName(dn: DistinguishedName): Buffer {
  return Buffer.from(AsnConvert.serialize(makeName(dn)));
}

/** DER of one Extension whose value is `value` (an asn1-schema object, or DER already). */
export function makeExtension(extnID: string, critical: boolean, value: object | Uint8Array): Buffer {
  const der = value instanceof Uint8Array ? value : new Uint8Array(AsnConvert.serialize(value));
  return Buffer.from(AsnConvert.serialize(new Extension({ extnID, critical, extnValue: new OctetString(der) })));
}

/** 16 random bytes with the top bit clear: positive, non-zero, unpredictable (CA/B BR §7.1). */
export function randomSerialNumber(): Uint8Array {
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x01;
  return new Uint8Array(serial);
}

/**
 * The validity window of a certificate issued at `now`: backdated by CLOCK_SKEW_MS, and never
 * outside the issuing CA's own window (a cert cannot outlive the CA that vouches for it).
 */
export function validityWindow(now: Date, requestedNotAfter: Date, ca?: { notBefore: Date; notAfter: Date }): { notBefore: Date; notAfter: Date } {
  const notBefore = new Date(Math.max(now.getTime() - CLOCK_SKEW_MS, ca?.notBefore.getTime() ?? -Infinity));
  const notAfter = new Date(Math.min(requestedNotAfter.getTime(), ca?.notAfter.getTime() ?? Infinity));
  if (notAfter.getTime() <= notBefore.getTime()) {
    throw new ValidationError(`The certificate would end (${notAfter.toISOString()}) before it starts (${notBefore.toISOString()}); ask for a later end, or rotate the CA if it has expired.`, {
      notBefore: notBefore.toISOString(), notAfter: notAfter.toISOString(),
    });
  }
  return { notBefore, notAfter };
}

const ECDSA_WITH_SHA256_DER = Buffer.from(AsnConvert.serialize(new AlgorithmIdentifier({ algorithm: OID_ECDSA_WITH_SHA256 })));
const VERSION_3_DER = derExplicit(0, derUnsignedInteger(Buffer.from([2])));

/** Encodes and signs the certificate (RFC 5280 §4.1); returns its DER. */
export function signCertificate(cert: CertificateToSign): Buffer {
  const subjectKeyId = keyIdentifier(cert.subjectPublicKeyInfoDer);
  const extensions = [...cert.extensions, makeExtension(id_ce_subjectKeyIdentifier, false, new SubjectKeyIdentifier(subjectKeyId))];
  if (cert.authorityKeyIdentifier) {
    extensions.push(makeExtension(id_ce_authorityKeyIdentifier, false,
      new AuthorityKeyIdentifier({ keyIdentifier: new OctetString(cert.authorityKeyIdentifier) })));
  }
  const tbsCertificate = derSequence(
    VERSION_3_DER,
    derUnsignedInteger(randomSerialNumber()),
    ECDSA_WITH_SHA256_DER,
    cert.issuerDer,
    Buffer.from(AsnConvert.serialize(new Validity({ notBefore: cert.notBefore, notAfter: cert.notAfter }))),
    cert.subjectDer,
    cert.subjectPublicKeyInfoDer,
    derExplicit(3, derSequence(...extensions)),
  );
  return derSequence(tbsCertificate, ECDSA_WITH_SHA256_DER, derBitString(signEcdsaSha256(tbsCertificate, cert.signingKey)));
}
