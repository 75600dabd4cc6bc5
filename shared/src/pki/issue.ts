/**
 * Issues every X.509 leaf of the security model from a requester's CSR. The server decides
 * names, parameters and lifetimes; the CSR contributes only its (proven) public key.
 *
 *   relay server    Relay PKI Server CA     DNS/IP SANs, serverAuth
 *   relay client    Relay PKI Client CA     org id (+ actor), clientAuth
 *   gateway server  Org Gateway Server CA   URI SAN urn:postern:gateway:<id>, serverAuth
 *   session client  Org Gateway Client CA   session, resource, account, gateway, org; not-after = session end
 *   platform client Org Gateway Client CA   org, clientAuth
 */
import { z } from 'zod';
import {
  BasicConstraints, ExtendedKeyUsage, GeneralName, KeyUsage, KeyUsageFlags, SubjectAlternativeName,
  id_ce_basicConstraints, id_ce_extKeyUsage, id_ce_keyUsage, id_ce_subjectAltName,
} from '@peculiar/asn1-x509';
import { ValidationError } from '../errors.ts';
import type { CaKind, CertificateAuthority } from './ca.ts';
import { encodeName, makeExtension, signCertificate, validityWindow, type DistinguishedName } from './certificate-builder.ts';
import { parseCertificateSigningRequest, type ParsedCertificateSigningRequest } from './csr.ts';
import { OID_KP_CLIENT_AUTH, OID_KP_SERVER_AUTH, OID_POSTERN_PARAMETERS, gatewayUri } from './oids.ts';
import { toPem } from './pem.ts';
import { assertPkiId, encodePosternParameters, type PosternParameters } from './postern-extension.ts';

export type CsrInput = string | Uint8Array | ParsedCertificateSigningRequest;

export interface IssuedCertificate {
  pem: string;
  der: Buffer;
  notBefore: Date;
  notAfter: Date;
}

interface LeafProfile {
  requiredCaKind: CaKind;
  purpose: typeof OID_KP_SERVER_AUTH | typeof OID_KP_CLIENT_AUTH;
  subject: DistinguishedName;
  parameters: PosternParameters;
  sans: GeneralName[];
  notAfter: Date;
}

interface IssueCommon {
  csr: CsrInput;
  /** Issue time; defaults to the wall clock. Tests and the server's injected clock pass it. */
  now?: Date;
}

const DAY_MS = 24 * 3600_000;

// The same for every leaf of a purpose, so encoded once.
const leafExtensions = (purpose: string) => [
  makeExtension(id_ce_basicConstraints, true, new BasicConstraints({ cA: false })),
  makeExtension(id_ce_keyUsage, true, new KeyUsage(KeyUsageFlags.digitalSignature)),
  makeExtension(id_ce_extKeyUsage, false, new ExtendedKeyUsage([purpose])),
];
const LEAF_EXTENSIONS = { [OID_KP_SERVER_AUTH]: leafExtensions(OID_KP_SERVER_AUTH), [OID_KP_CLIENT_AUTH]: leafExtensions(OID_KP_CLIENT_AUTH) };

function issueLeaf(ca: CertificateAuthority, request: IssueCommon, profile: LeafProfile): IssuedCertificate {
  if (ca.kind !== profile.requiredCaKind) {
    throw new ValidationError(`This certificate is signed by the ${profile.requiredCaKind} CA, not by a ${ca.kind} CA.`, { expected: profile.requiredCaKind, actual: ca.kind });
  }
  const csr = isParsed(request.csr) ? request.csr : parseCertificateSigningRequest(request.csr);
  const { notBefore, notAfter } = validityWindow(request.now ?? new Date(), profile.notAfter, ca);
  const extensions = [
    ...LEAF_EXTENSIONS[profile.purpose],
    makeExtension(OID_POSTERN_PARAMETERS, false, encodePosternParameters(profile.parameters)),
  ];
  if (profile.sans.length) extensions.push(makeExtension(id_ce_subjectAltName, false, new SubjectAlternativeName(profile.sans)));
  const der = signCertificate({
    subjectDer: encodeName(profile.subject),
    issuerDer: ca.subjectDer,
    notBefore,
    notAfter,
    subjectPublicKeyInfoDer: csr.subjectPublicKeyInfoDer,
    authorityKeyIdentifier: ca.keyIdentifier,
    extensions,
    signingKey: ca.privateKey,
  });
  return { pem: toPem(der, 'CERTIFICATE'), der, notBefore, notAfter };
}

function isParsed(csr: CsrInput): csr is ParsedCertificateSigningRequest {
  return typeof csr === 'object' && 'subjectPublicKeyInfoDer' in csr;
}

function orgOf(ca: CertificateAuthority, orgId: string | undefined): string {
  const org = orgId ?? ca.orgId;
  if (!org) throw new ValidationError('This certificate names an org: pass orgId (the CA is instance-level).');
  if (ca.orgId && org !== ca.orgId) {
    throw new ValidationError(`The CA belongs to org ${ca.orgId}; it cannot sign for org ${org}.`, { caOrgId: ca.orgId, orgId: org });
  }
  assertPkiId('orgId', org);
  return org;
}

function orgUnit(orgId: string | undefined): Pick<DistinguishedName, 'organization' | 'organizationalUnit'> {
  return { organization: 'Postern', organizationalUnit: orgId ? `org ${orgId}` : 'instance' };
}

const zHostname = z.string().regex(/^(?=.{1,253}$)(\*\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/);
const zIpAddress = z.union([z.ipv4(), z.ipv6()]);

export interface RelayServerCertRequest extends IssueCommon {
  dnsNames?: string[];
  ipAddresses?: string[];
  lifetimeMs?: number;
}

/** The relay's TLS server certificate; clients and the platform check it by hostname or IP. */
export function issueRelayServerCert(ca: CertificateAuthority, request: RelayServerCertRequest): IssuedCertificate {
  const dnsNames = request.dnsNames ?? [];
  const ipAddresses = request.ipAddresses ?? [];
  if (dnsNames.length + ipAddresses.length === 0) throw new ValidationError('A relay server certificate needs at least one DNS name or IP address.');
  for (const name of dnsNames) if (!zHostname.safeParse(name).success) throw new ValidationError(`"${name}" is not a DNS name.`, { dnsName: name });
  for (const ip of ipAddresses) if (!zIpAddress.safeParse(ip).success) throw new ValidationError(`"${ip}" is not an IPv4 or IPv6 address.`, { ipAddress: ip });
  const now = request.now ?? new Date();
  return issueLeaf(ca, request, {
    requiredCaKind: 'relay-server',
    purpose: OID_KP_SERVER_AUTH,
    subject: { ...orgUnit(ca.orgId), commonName: dnsNames[0] ?? ipAddresses[0]! },
    parameters: { role: 'relay-server', ...(ca.orgId ? { orgId: ca.orgId } : {}) },
    sans: [...dnsNames.map((dNSName) => new GeneralName({ dNSName })), ...ipAddresses.map((iPAddress) => new GeneralName({ iPAddress }))],
    notAfter: new Date(now.getTime() + (request.lifetimeMs ?? 30 * DAY_MS)),
  });
}

export interface RelayClientCertRequest extends IssueCommon {
  orgId: string;
  /** The user or machine identity the certificate speaks for. */
  actorId?: string;
  notAfter: Date;
}

/** A client's or the platform's certificate for the relay; the relay reads the org id from it. */
export function issueRelayClientCert(ca: CertificateAuthority, request: RelayClientCertRequest): IssuedCertificate {
  const orgId = orgOf(ca, request.orgId);
  const actor = request.actorId ? { actorId: request.actorId } : {};
  return issueLeaf(ca, request, {
    requiredCaKind: 'relay-client',
    purpose: OID_KP_CLIENT_AUTH,
    subject: { ...orgUnit(orgId), commonName: `relay client ${request.actorId ?? orgId}` },
    parameters: { role: 'relay-client', orgId, ...actor },
    sans: [],
    notAfter: request.notAfter,
  });
}

export interface GatewayServerCertRequest extends IssueCommon {
  gatewayId: string;
  lifetimeMs?: number;
}

/** The gateway's inner TLS server certificate; clients pin its URI SAN, never a hostname. */
export function issueGatewayServerCert(ca: CertificateAuthority, request: GatewayServerCertRequest): IssuedCertificate {
  const orgId = orgOf(ca, undefined);
  assertPkiId('gatewayId', request.gatewayId);
  const now = request.now ?? new Date();
  return issueLeaf(ca, request, {
    requiredCaKind: 'gateway-server',
    purpose: OID_KP_SERVER_AUTH,
    subject: { ...orgUnit(orgId), commonName: `gateway ${request.gatewayId}` },
    parameters: { role: 'gateway-server', orgId, gatewayId: request.gatewayId },
    sans: [new GeneralName({ uniformResourceIdentifier: gatewayUri(request.gatewayId) })],
    notAfter: new Date(now.getTime() + (request.lifetimeMs ?? 7 * DAY_MS)),
  });
}

export interface SessionClientCertRequest extends IssueCommon {
  sessionId: string;
  gatewayId: string;
  resourceId: string;
  accountId: string;
  actorId?: string;
  /** The session's end: the gateway refuses the certificate after it. */
  sessionEndsAt: Date;
}

/** The per-session client certificate a client presents to the gateway. */
export function issueSessionClientCert(ca: CertificateAuthority, request: SessionClientCertRequest): IssuedCertificate {
  const orgId = orgOf(ca, undefined);
  const { sessionId, gatewayId, resourceId, accountId } = request;
  return issueLeaf(ca, request, {
    requiredCaKind: 'gateway-client',
    purpose: OID_KP_CLIENT_AUTH,
    subject: { ...orgUnit(orgId), commonName: `session ${sessionId}` },
    parameters: { role: 'session-client', orgId, gatewayId, sessionId, resourceId, accountId, ...(request.actorId ? { actorId: request.actorId } : {}) },
    sans: [],
    notAfter: request.sessionEndsAt,
  });
}

export interface PlatformClientCertRequest extends IssueCommon {
  notAfter: Date;
}

/** The platform's client certificate for the org's gateways (reachability checks, health). */
export function issuePlatformClientCert(ca: CertificateAuthority, request: PlatformClientCertRequest): IssuedCertificate {
  const orgId = orgOf(ca, undefined);
  return issueLeaf(ca, request, {
    requiredCaKind: 'gateway-client',
    purpose: OID_KP_CLIENT_AUTH,
    subject: { ...orgUnit(orgId), commonName: 'postern platform' },
    parameters: { role: 'platform-client', orgId },
    sans: [],
    notAfter: request.notAfter,
  });
}
