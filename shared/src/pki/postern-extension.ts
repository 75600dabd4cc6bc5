/**
 * The Postern certificate parameters extension: who a certificate speaks for and, for a session
 * certificate, which session it opens. One extension, one OID per parameter (see oids.ts):
 *
 *   PosternParameters ::= SEQUENCE SIZE (1..16) OF PosternParameter
 *   PosternParameter  ::= SEQUENCE {
 *     type   OBJECT IDENTIFIER,        -- one of <arc>.2.x, each at most once
 *     value  UTF8String (SIZE (1..128)) }
 *
 * The extension is non-critical so that OpenSSL (and node:tls on top of it) accept the
 * certificate; Postern code reads it and fails closed: an unknown parameter OID, a duplicate,
 * a bad role or any non-DER byte makes the whole extension (and so the certificate) unusable.
 */
import { fromBER, ObjectIdentifier, Sequence, Utf8String } from 'asn1js';
import { X509MalformedError } from '../errors.ts';
import { POSTERN_PARAMETER_OIDS, canonicalOid } from './oids.ts';

export const CERTIFICATE_ROLES = [
  'relay-server-ca', 'relay-client-ca', 'gateway-server-ca', 'gateway-client-ca',
  'relay-server', 'relay-client', 'gateway-server', 'session-client', 'platform-client',
] as const;
export type CertificateRole = (typeof CERTIFICATE_ROLES)[number];

export interface PosternParameters {
  role: CertificateRole;
  orgId?: string;
  gatewayId?: string;
  sessionId?: string;
  resourceId?: string;
  accountId?: string;
  actorId?: string;
}

type ParameterName = keyof typeof POSTERN_PARAMETER_OIDS;
const PARAMETER_NAMES = Object.keys(POSTERN_PARAMETER_OIDS) as ParameterName[];
const NAME_BY_OID = new Map<string, ParameterName>(PARAMETER_NAMES.map((name) => [POSTERN_PARAMETER_OIDS[name], name]));

/** Ids go into URNs and distinguished names, so they are kept to a plain, unambiguous alphabet. */
export const PKI_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const MAX_EXTENSION_BYTES = 4096;
const EXTENSION = 'Postern parameters extension';

export function assertPkiId(kind: string, value: string): void {
  if (typeof value !== 'string' || !PKI_ID_PATTERN.test(value)) {
    throw new X509MalformedError(kind, `"${String(value).slice(0, 40)}" is not a valid id (1-128 of A-Z a-z 0-9 . _ -, starting with a letter or digit)`);
  }
}

/** DER of PosternParameters, parameters in OID order so equal inputs give equal bytes. */
export function encodePosternParameters(params: PosternParameters): Uint8Array {
  if (!CERTIFICATE_ROLES.includes(params.role)) throw new X509MalformedError(EXTENSION, `unknown role "${params.role}"`);
  const entries: Sequence[] = [];
  for (const name of PARAMETER_NAMES) {
    const value = params[name];
    if (value === undefined) continue;
    if (name !== 'role') assertPkiId(name, value);
    entries.push(new Sequence({
      value: [new ObjectIdentifier({ value: POSTERN_PARAMETER_OIDS[name] }), new Utf8String({ value })],
    }));
  }
  return new Uint8Array(new Sequence({ value: entries }).toBER(false));
}

/** Parses and validates the extension value; throws X509MalformedError on anything but canonical, known content. */
export function decodePosternParameters(der: Uint8Array): PosternParameters {
  try {
    return decodeStrictly(der);
  } catch (error) {
    // asn1js throws plain RangeErrors on some hostile lengths: those are malformed input too.
    if (error instanceof X509MalformedError) throw error;
    throw new X509MalformedError(EXTENSION, `it cannot be parsed (${(error as Error).message})`);
  }
}

function decodeStrictly(der: Uint8Array): PosternParameters {
  if (der.byteLength === 0 || der.byteLength > MAX_EXTENSION_BYTES) {
    throw new X509MalformedError(EXTENSION, `length ${der.byteLength} is outside 1..${MAX_EXTENSION_BYTES}`);
  }
  const parsed = fromBER(der);
  if (parsed.offset !== der.byteLength || !(parsed.result instanceof Sequence)) {
    throw new X509MalformedError(EXTENSION, 'it is not one DER SEQUENCE');
  }
  const reencoded = new Uint8Array(parsed.result.toBER(false));
  if (!bytesEqual(reencoded, der)) throw new X509MalformedError(EXTENSION, 'it is not canonical DER');
  const items = parsed.result.valueBlock.value;
  if (items.length < 1 || items.length > 16) throw new X509MalformedError(EXTENSION, `it holds ${items.length} parameters, not 1..16`);
  const found: Partial<Record<ParameterName, string>> = {};
  for (const item of items) {
    const [name, value] = readParameter(item);
    if (found[name] !== undefined) throw new X509MalformedError(EXTENSION, `parameter ${name} appears twice`);
    found[name] = value;
  }
  return toParameters(found);
}

function readParameter(item: unknown): [ParameterName, string] {
  if (!(item instanceof Sequence) || item.valueBlock.value.length !== 2) {
    throw new X509MalformedError(EXTENSION, 'a parameter is not a SEQUENCE of type and value');
  }
  const [type, value] = item.valueBlock.value;
  if (!(type instanceof ObjectIdentifier) || !(value instanceof Utf8String)) {
    throw new X509MalformedError(EXTENSION, 'a parameter is not (OBJECT IDENTIFIER, UTF8String)');
  }
  const oid = canonicalOid(type.getValue());
  const name = NAME_BY_OID.get(oid);
  if (!name) throw new X509MalformedError(EXTENSION, `unknown parameter OID ${oid}`);
  const text = value.getValue();
  if (name !== 'role') assertPkiId(name, text);
  return [name, text];
}

function toParameters(found: Partial<Record<ParameterName, string>>): PosternParameters {
  const role = found.role as CertificateRole | undefined;
  if (role === undefined || !CERTIFICATE_ROLES.includes(role)) {
    throw new X509MalformedError(EXTENSION, role === undefined ? 'the role parameter is missing' : `unknown role "${role}"`);
  }
  const params: PosternParameters = { role };
  for (const name of PARAMETER_NAMES) {
    const value = found[name];
    if (name !== 'role' && value !== undefined) params[name] = value;
  }
  return params;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((byte, i) => byte === b[i]);
}
