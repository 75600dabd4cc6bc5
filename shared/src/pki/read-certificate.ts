/**
 * Reads what Postern needs from a certificate: from a peer (node:tls `getPeerX509Certificate()`
 * or `getPeerCertificate().raw`), from PEM, or from DER. Parsing is strict: anything that is not
 * a well-formed certificate with a valid Postern parameters extension throws X509MalformedError.
 */
import { X509Certificate } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  Certificate, ExtendedKeyUsage, SubjectAlternativeName, SubjectKeyIdentifier, id_ce_extKeyUsage, id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
} from '@peculiar/asn1-x509';
import { X509MalformedError } from '../errors.ts';
import { OID_POSTERN_PARAMETERS, canonicalOid } from './oids.ts';
import { fromPem } from './pem.ts';
import { decodePosternParameters, type PosternParameters } from './postern-extension.ts';

/** Anything that holds one certificate. `{ raw }` is node:tls's PeerCertificate. */
export type CertificateInput = X509Certificate | Uint8Array | string | { raw: Uint8Array };

export interface CertificateInfo {
  der: Buffer;
  certificate: X509Certificate;
  asn: Certificate;
  parameters: PosternParameters;
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  uris: string[];
  dnsNames: string[];
  ipAddresses: string[];
  extendedKeyUsage: string[];
  subjectKeyIdentifier: Buffer | undefined;
}

const MAX_CERTIFICATE_BYTES = 16_384;

export function certificateDer(input: CertificateInput): Buffer {
  if (input instanceof X509Certificate) return input.raw;
  if (typeof input === 'string' || input instanceof Uint8Array) return fromPem(input, 'CERTIFICATE');
  return Buffer.from(input.raw);
}

export function readCertificate(input: CertificateInput): CertificateInfo {
  try {
    return parseCertificate(input);
  } catch (error) {
    if (error instanceof X509MalformedError) throw error;
    throw new X509MalformedError('certificate', `it cannot be parsed (${(error as Error).message})`);
  }
}

function parseCertificate(input: CertificateInput): CertificateInfo {
  const der = certificateDer(input);
  if (der.byteLength > MAX_CERTIFICATE_BYTES) throw new X509MalformedError('certificate', `it is ${der.byteLength} bytes, more than ${MAX_CERTIFICATE_BYTES}`);
  const asn = AsnConvert.parse(der, Certificate);
  const certificate = input instanceof X509Certificate ? input : new X509Certificate(der);
  const extensions = asn.tbsCertificate.extensions ?? [];
  const extensionValue = (oid: string) => extensions.find((e) => canonicalOid(e.extnID) === oid)?.extnValue.buffer;
  const parametersDer = extensionValue(OID_POSTERN_PARAMETERS);
  if (!parametersDer) throw new X509MalformedError('certificate', 'it carries no Postern parameters extension: it was not issued by a Postern CA');
  const sanDer = extensionValue(id_ce_subjectAltName);
  const sans = sanDer ? AsnConvert.parse(sanDer, SubjectAlternativeName) : [];
  const ekuDer = extensionValue(id_ce_extKeyUsage);
  const skiDer = extensionValue(id_ce_subjectKeyIdentifier);
  return {
    der,
    certificate,
    asn,
    parameters: decodePosternParameters(new Uint8Array(parametersDer)),
    serialNumber: certificate.serialNumber.toLowerCase(),
    notBefore: asn.tbsCertificate.validity.notBefore.getTime(),
    notAfter: asn.tbsCertificate.validity.notAfter.getTime(),
    uris: sans.flatMap((n) => (n.uniformResourceIdentifier === undefined ? [] : [n.uniformResourceIdentifier])),
    dnsNames: sans.flatMap((n) => (n.dNSName === undefined ? [] : [n.dNSName])),
    ipAddresses: sans.flatMap((n) => (n.iPAddress === undefined ? [] : [n.iPAddress])),
    extendedKeyUsage: ekuDer ? [...AsnConvert.parse(ekuDer, ExtendedKeyUsage)] : [],
    subjectKeyIdentifier: skiDer ? Buffer.from(AsnConvert.parse(skiDer, SubjectKeyIdentifier).buffer) : undefined,
  };
}
