/**
 * Object identifiers used by Postern certificates.
 *
 * Postern's own OIDs live under a registration-free arc (ITU-T X.667: 2.25.<UUID as a decimal
 * integer>), generated once from UUID e6dfa4d7-657a-46bf-807a-79607b19ce98. Nothing else may be
 * allocated under it, so no other issuer's extension can collide with ours. Each OID has one
 * meaning forever: a changed meaning gets a new number, never a reused one.
 *
 *   <arc>.1        Postern certificate parameters extension (non-critical), see postern-extension.ts
 *   <arc>.2.1      org id            <arc>.2.5  resource id
 *   <arc>.2.2      certificate role  <arc>.2.6  account id
 *   <arc>.2.3      gateway id        <arc>.2.7  actor id (user or machine identity)
 *   <arc>.2.4      session id
 */
export const POSTERN_OID_ARC = '2.25.306883664610619665810008635600564506264';

export const OID_POSTERN_PARAMETERS = `${POSTERN_OID_ARC}.1`;

export const POSTERN_PARAMETER_OIDS = {
  orgId: `${POSTERN_OID_ARC}.2.1`,
  role: `${POSTERN_OID_ARC}.2.2`,
  gatewayId: `${POSTERN_OID_ARC}.2.3`,
  sessionId: `${POSTERN_OID_ARC}.2.4`,
  resourceId: `${POSTERN_OID_ARC}.2.5`,
  accountId: `${POSTERN_OID_ARC}.2.6`,
  actorId: `${POSTERN_OID_ARC}.2.7`,
} as const;

// Standard OIDs (RFC 5480, RFC 5758, RFC 5280 §4.2.1.12, X.520).
export const OID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';
export const OID_P256 = '1.2.840.10045.3.1.7';
export const OID_ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
export const OID_KP_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
export const OID_KP_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
export const OID_COMMON_NAME = '2.5.4.3';
export const OID_ORGANIZATION = '2.5.4.10';
export const OID_ORGANIZATIONAL_UNIT = '2.5.4.11';

/** URI SAN prefix that names a gateway; clients pin it instead of a hostname. */
export const GATEWAY_URI_PREFIX = 'urn:postern:gateway:';

export function gatewayUri(gatewayId: string): string {
  return `${GATEWAY_URI_PREFIX}${gatewayId}`;
}

/**
 * The dotted decimal form of an OID read by asn1js (and so by @peculiar/asn1-schema). asn1js
 * spells an arc above 2^53, like the UUID arc above, as `{hex}`, one byte per 7-bit group;
 * comparing that spelling against ours would never match, so it is turned back into decimal.
 */
export function canonicalOid(oid: string): string {
  return oid.replace(/\{([0-9a-fA-F]*)\}/g, (_match, hex: string) => {
    let value = 0n;
    for (let i = 0; i < hex.length; i += 2) value = (value << 7n) | BigInt(Number.parseInt(hex.slice(i, i + 2), 16) & 0x7f);
    return value.toString();
  });
}
