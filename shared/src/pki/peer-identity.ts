/**
 * What a relay or gateway reads from the certificate its peer presented, and the pinning check a
 * client hands to node:tls. Call these only on a certificate the TLS handshake has already
 * verified against the right CA (or after verifyCertificate): they read, they do not vouch.
 */
import type { PeerCertificate } from 'node:tls';
import { X509MalformedError, X509WrongIdentityError, X509WrongUsageError } from '../errors.ts';
import { GATEWAY_URI_PREFIX, gatewayUri } from './oids.ts';
import { readCertificate, type CertificateInfo, type CertificateInput } from './read-certificate.ts';

export interface SessionParameters {
  orgId: string;
  gatewayId: string;
  sessionId: string;
  resourceId: string;
  accountId: string;
  actorId: string | undefined;
  /** The session's end as the certificate states it. */
  notAfter: Date;
}

/** The org a client, platform, gateway or relay certificate speaks for. */
export function readOrgId(certificate: CertificateInput): string {
  const { parameters } = readCertificate(certificate);
  if (!parameters.orgId) throw new X509MalformedError('certificate', `a ${parameters.role} certificate from an instance CA names no org`);
  return parameters.orgId;
}

/** The gateway id of a gateway server certificate: its URI SAN, which must agree with its parameters. */
export function readGatewayId(certificate: CertificateInput): string {
  const info = readCertificate(certificate);
  if (info.parameters.role !== 'gateway-server') throw new X509WrongUsageError('gateway-server', [info.parameters.role]);
  const uris = info.uris.filter((uri) => uri.startsWith(GATEWAY_URI_PREFIX));
  const gatewayId = info.parameters.gatewayId;
  if (uris.length !== 1 || !gatewayId || uris[0] !== gatewayUri(gatewayId)) {
    throw new X509MalformedError('gateway certificate', 'its URI SAN and its gateway id parameter disagree');
  }
  return gatewayId;
}

/**
 * The session a session client certificate opens. A gateway passes its own id as
 * `expectedGatewayId`: the org's client CA signs sessions for all of the org's gateways, and a
 * session meant for another gateway must not open here.
 */
export function readSessionParameters(certificate: CertificateInput, expectedGatewayId?: string): SessionParameters {
  return sessionParametersOf(readCertificate(certificate), expectedGatewayId);
}

/** The session parameters of an already parsed certificate (an admission's verdict), without parsing it again. */
export function sessionParametersOf(info: CertificateInfo, expectedGatewayId?: string): SessionParameters {
  const { parameters: p, notAfter } = info;
  if (p.role !== 'session-client') throw new X509WrongUsageError('session-client', [p.role]);
  if (!p.orgId || !p.gatewayId || !p.sessionId || !p.resourceId || !p.accountId) {
    throw new X509MalformedError('session certificate', 'it lacks one of org, gateway, session, resource or account id');
  }
  if (expectedGatewayId !== undefined && p.gatewayId !== expectedGatewayId) {
    throw new X509WrongIdentityError(gatewayUri(expectedGatewayId), [gatewayUri(p.gatewayId)]);
  }
  return {
    orgId: p.orgId, gatewayId: p.gatewayId, sessionId: p.sessionId, resourceId: p.resourceId,
    accountId: p.accountId, actorId: p.actorId, notAfter,
  };
}

/**
 * A `checkServerIdentity` for tls.connect that pins the gateway by its URI SAN
 * `urn:postern:gateway:<gatewayId>` and ignores the hostname (the relay's channel has none).
 * Use it with `ca` set to the org's gateway server CA only.
 */
export function pinGatewayIdentity(expectedGatewayId: string): (hostname: string, cert: PeerCertificate) => Error | undefined {
  return (_hostname, cert) => {
    try {
      const gatewayId = readGatewayId(cert);
      return gatewayId === expectedGatewayId ? undefined : new X509WrongIdentityError(gatewayUri(expectedGatewayId), [gatewayUri(gatewayId)]);
    } catch (error) {
      return error instanceof Error ? error : new X509WrongIdentityError(gatewayUri(expectedGatewayId), []);
    }
  };
}
