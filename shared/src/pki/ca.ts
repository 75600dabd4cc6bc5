/**
 * The X.509 certificate authorities of the security model (DESIGN.md "Trust"). Each CA is a
 * self-signed P-256 root that signs leaves directly (pathLen 0). Its extended key usage limits
 * what its leaves may be used for (OpenSSL enforces a CA's EKU on the whole chain), and its
 * Postern parameters name its kind and org, so a leaf can be checked against the right tenant.
 * URI name constraints cannot express `urn:postern:gateway:*` (OpenSSL only matches URI
 * constraints against a host part), so tenancy rests on one CA key per org plus those checks.
 */
import { X509Certificate, type KeyObject } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsageFlags, id_ce_basicConstraints, id_ce_extKeyUsage, id_ce_keyUsage,
} from '@peculiar/asn1-x509';
import { ValidationError, X509MalformedError } from '../errors.ts';
import { encodeName, makeExtension, signCertificate, validityWindow } from './certificate-builder.ts';
import { assertP256Key, exportPrivateKeyPem, generatePkiKeyPair, keyIdentifier, spkiDer, type PkiKeyPair } from './keys.ts';
import { OID_KP_CLIENT_AUTH, OID_KP_SERVER_AUTH, OID_POSTERN_PARAMETERS } from './oids.ts';
import { assertPkiId, encodePosternParameters, type CertificateRole } from './postern-extension.ts';
import { toPem } from './pem.ts';
import { readCertificate } from './read-certificate.ts';

export type CaKind = 'relay-server' | 'relay-client' | 'gateway-server' | 'gateway-client';

const CA_PROFILES: Record<CaKind, { title: string; role: CertificateRole; purpose: string; orgRequired: boolean }> = {
  'relay-server': { title: 'Relay PKI Server CA', role: 'relay-server-ca', purpose: OID_KP_SERVER_AUTH, orgRequired: false },
  'relay-client': { title: 'Relay PKI Client CA', role: 'relay-client-ca', purpose: OID_KP_CLIENT_AUTH, orgRequired: false },
  'gateway-server': { title: 'Org Gateway Server CA', role: 'gateway-server-ca', purpose: OID_KP_SERVER_AUTH, orgRequired: true },
  'gateway-client': { title: 'Org Gateway Client CA', role: 'gateway-client-ca', purpose: OID_KP_CLIENT_AUTH, orgRequired: true },
};

export const DEFAULT_CA_LIFETIME_MS = 5 * 365 * 24 * 3600_000;

/** A CA ready to sign: its certificate and its private key, both parsed once. */
export interface CertificateAuthority {
  kind: CaKind;
  /** Undefined for an instance-level relay CA (managed relays); set for every per-org CA. */
  orgId: string | undefined;
  certificatePem: string;
  certificate: X509Certificate;
  /** DER of the CA's subject Name: the issuer of every certificate it signs. */
  subjectDer: Buffer;
  keyIdentifier: Buffer;
  notBefore: Date;
  notAfter: Date;
  privateKey: KeyObject;
}

export interface CreateCaOptions {
  kind: CaKind;
  orgId?: string;
  now?: Date;
  lifetimeMs?: number;
  /** Defaults to a fresh P-256 pair. */
  keys?: PkiKeyPair;
}

/** Creates a CA; store `privateKeyPem` encrypted (the server's vault) and `authority.certificatePem` in the clear. */
export function createCertificateAuthority(options: CreateCaOptions): { authority: CertificateAuthority; privateKeyPem: string } {
  const profile = CA_PROFILES[options.kind];
  if (profile.orgRequired && !options.orgId) throw new ValidationError(`An ${profile.title} belongs to one org: pass orgId.`);
  if (options.orgId) assertPkiId('orgId', options.orgId);
  const keys = options.keys ?? generatePkiKeyPair();
  assertP256Key(keys.privateKey, 'CA key');
  const now = options.now ?? new Date();
  const subjectPublicKeyInfoDer = spkiDer(keys.publicKey);
  const keyId = keyIdentifier(subjectPublicKeyInfoDer);
  // The key id in the name keeps issuer names unique across rotations and across orgs.
  const subjectDer = encodeName({
    organization: 'Postern',
    organizationalUnit: options.orgId ? `org ${options.orgId}` : 'instance',
    commonName: `${profile.title} ${keyId.subarray(0, 6).toString('hex')}`,
  });
  const { notBefore, notAfter } = validityWindow(now, new Date(now.getTime() + (options.lifetimeMs ?? DEFAULT_CA_LIFETIME_MS)));
  const der = signCertificate({
    subjectDer, issuerDer: subjectDer, notBefore, notAfter, subjectPublicKeyInfoDer, signingKey: keys.privateKey,
    extensions: [
      makeExtension(id_ce_basicConstraints, true, new BasicConstraints({ cA: true, pathLenConstraint: 0 })),
      makeExtension(id_ce_keyUsage, true, new KeyUsage(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign)),
      makeExtension(id_ce_extKeyUsage, false, new ExtendedKeyUsage([profile.purpose])),
      makeExtension(OID_POSTERN_PARAMETERS, false, encodePosternParameters({ role: profile.role, ...(options.orgId ? { orgId: options.orgId } : {}) })),
    ],
  });
  const authority = loadCertificateAuthority(toPem(der, 'CERTIFICATE'), keys.privateKey);
  return { authority, privateKeyPem: exportPrivateKeyPem(keys.privateKey) };
}

/** Rebuilds a CA from its stored certificate and (decrypted) private key; checks that they belong together. */
export function loadCertificateAuthority(certificatePem: string, privateKey: KeyObject): CertificateAuthority {
  const info = readCertificate(certificatePem);
  const kind = (Object.keys(CA_PROFILES) as CaKind[]).find((k) => CA_PROFILES[k].role === info.parameters.role);
  if (!kind || !info.certificate.ca) throw new X509MalformedError('CA certificate', `its role is ${info.parameters.role}, not a Postern CA`);
  assertP256Key(privateKey, 'CA key');
  if (!info.certificate.checkPrivateKey(privateKey)) {
    throw new X509MalformedError('CA certificate', 'the private key given does not match its public key');
  }
  return {
    kind,
    orgId: info.parameters.orgId,
    certificatePem: info.certificate.toString(),
    certificate: info.certificate,
    subjectDer: Buffer.from(AsnConvert.serialize(info.asn.tbsCertificate.subject)),
    // The CA's own SKI, so leaves' AKI matches it even for a CA whose key id was made another way.
    keyIdentifier: info.subjectKeyIdentifier ?? keyIdentifier(spkiDer(info.certificate.publicKey)),
    notBefore: info.notBefore,
    notAfter: info.notAfter,
    privateKey,
  };
}
