/**
 * How a gateway's SSH user certificate for the relay names its org: the key id is
 * `org:<orgId>` and the only principal is the gateway id (DESIGN.md "Trust"). The server issues
 * it with `formatGatewayKeyId`; the relay reads it back with `parseGatewayKeyId`.
 */
import { SshCertificateMalformedError } from '../errors.ts';
import { PKI_ID_PATTERN } from '../pki/postern-extension.ts';

const KEY_ID_PREFIX = 'org:';

export function formatGatewayKeyId(orgId: string): string {
  if (!PKI_ID_PATTERN.test(orgId)) throw new SshCertificateMalformedError(`"${orgId}" is not a valid org id`);
  return `${KEY_ID_PREFIX}${orgId}`;
}

/** The org id of a gateway relay certificate's key id; throws when the key id names none. */
export function parseGatewayKeyId(keyId: string): string {
  const orgId = keyId.startsWith(KEY_ID_PREFIX) ? keyId.slice(KEY_ID_PREFIX.length) : '';
  if (!PKI_ID_PATTERN.test(orgId)) throw new SshCertificateMalformedError(`its key id "${keyId}" does not name an org as "org:<org id>"`);
  return orgId;
}

/**
 * The port a gateway names in its `tcpip-forward` request (the bind address is its gateway id).
 * Nothing listens on it anywhere: ssh2 keys forwarded channels by address and port, so both
 * ends need the same nominal value.
 */
export const GATEWAY_TUNNEL_PORT = 443;
