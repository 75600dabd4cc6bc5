/**
 * OpenSSH certificates (PROTOCOL.certkeys in OpenSSH): building, signing and parsing user and
 * host certificates. Verification against a CA lives in certificate-verify.ts.
 */
import { randomBytes, type KeyObject } from 'node:crypto';
import { SshCertificateMalformedError, SshKeyError, SshWireError } from '../errors.ts';
import { formatPublicKeyLine, parsePublicKeyBlob, parsePublicKeyLine, parsePublicKeyLineRaw, publicKeyBlobFromKeyObject, readPublicKeyFields, type SshKeyType, type SshPublicKey } from './keys.ts';
import { signSsh } from './signature.ts';
import { SshReader, SshWriter } from './wire.ts';

export type SshCertificateType = 'user' | 'host';

const CERT_SUFFIX = '-cert-v01@openssh.com';
const CERT_TYPE_CODES = { user: 1, host: 2 } as const;
/** valid_before meaning "never expires" (PROTOCOL.certkeys). */
export const SSH_CERT_FOREVER = 0xffffffffffffffffn;

/** What `ssh-keygen -s` grants a user certificate unless told otherwise. */
export const DEFAULT_USER_CERT_EXTENSIONS: Readonly<Record<string, string>> = {
  'permit-X11-forwarding': '',
  'permit-agent-forwarding': '',
  'permit-port-forwarding': '',
  'permit-pty': '',
  'permit-user-rc': '',
};

/** Critical options OpenSSH understands; any other makes a verifier reject the certificate. */
export const KNOWN_CRITICAL_OPTIONS = ['force-command', 'source-address', 'verify-required'] as const;

export interface SshCertificateRequest {
  certType: SshCertificateType;
  /** The subject's public key: a KeyObject, its SSH wire blob, or its `ssh-ed25519 AAAA…` line. */
  publicKey: KeyObject | Uint8Array | string;
  caPrivateKey: KeyObject;
  serial: bigint;
  keyId: string;
  principals: readonly string[];
  validAfter: Date;
  /** A date, or 'forever' for OpenSSH's "no expiry" value (not for anything we issue). */
  validBefore: Date | 'forever';
  /** e.g. { 'force-command': 'uptime', 'source-address': '10.0.0.0/8' }; flags take ''. */
  criticalOptions?: Readonly<Record<string, string>>;
  /** e.g. { 'permit-pty': '' }; defaults to none for host certs and DEFAULT_USER_CERT_EXTENSIONS for user certs. */
  extensions?: Readonly<Record<string, string>>;
}

export interface SshCertificate {
  /** e.g. "ssh-ed25519-cert-v01@openssh.com" */
  certKeyType: string;
  nonce: Uint8Array;
  publicKey: SshPublicKey;
  serial: bigint;
  certType: SshCertificateType;
  keyId: string;
  principals: string[];
  /** Seconds since the epoch, as stored. */
  validAfter: bigint;
  validBefore: bigint;
  criticalOptions: Record<string, string>;
  extensions: Record<string, string>;
  /** The CA's public key as it appears in the certificate. */
  signatureKey: SshPublicKey;
  signature: Uint8Array;
  /** The bytes the signature covers (everything before the signature field). */
  signedBytes: Uint8Array;
  /** The whole certificate blob (what `*-cert.pub` base64-encodes). */
  blob: Buffer;
}

export function isCertificateKeyType(type: string): boolean {
  return type.endsWith(CERT_SUFFIX);
}

/** "ssh-ed25519-cert-v01@openssh.com" → "ssh-ed25519". */
export function baseKeyTypeOfCertificate(certKeyType: string): string {
  return isCertificateKeyType(certKeyType) ? certKeyType.slice(0, -CERT_SUFFIX.length) : certKeyType;
}

function toSeconds(date: Date): bigint {
  const ms = date.getTime();
  if (!Number.isFinite(ms) || ms < 0) throw new SshKeyError('Certificate validity dates must be valid dates after 1970.');
  return BigInt(Math.floor(ms / 1000));
}

/** Options are name → value; values that are not flags are wrapped in a string, sorted by name. */
function encodeOptions(options: Readonly<Record<string, string>>): Buffer {
  const writer = new SshWriter();
  for (const name of Object.keys(options).sort()) {
    const value = options[name]!;
    writer.writeString(name);
    writer.writeString(value === '' ? new Uint8Array(0) : new SshWriter().writeString(value).toBuffer());
  }
  return writer.toBuffer();
}

function decodeOptions(bytes: Uint8Array, what: string): Record<string, string> {
  const reader = new SshReader(bytes);
  const options: Record<string, string> = {};
  let previous = '';
  while (reader.remaining > 0) {
    const name = reader.readText();
    const data = reader.readString();
    if (name <= previous) throw new SshCertificateMalformedError(`${what} are not sorted or repeat "${name}"`);
    previous = name;
    if (data.length === 0) {
      options[name] = '';
    } else {
      const inner = new SshReader(data);
      options[name] = inner.readText();
      inner.expectEnd(`${what} "${name}"`);
    }
  }
  return options;
}

function encodePrincipals(principals: readonly string[]): Buffer {
  const writer = new SshWriter();
  for (const principal of principals) {
    if (principal === '') throw new SshKeyError('A certificate principal cannot be empty.');
    writer.writeString(principal);
  }
  return writer.toBuffer();
}

function decodePrincipals(bytes: Uint8Array): string[] {
  const reader = new SshReader(bytes);
  const principals: string[] = [];
  while (reader.remaining > 0) principals.push(reader.readText());
  return principals;
}

function subjectPublicKey(publicKey: SshCertificateRequest['publicKey']): SshPublicKey {
  if (typeof publicKey === 'string') return parsePublicKeyLine(publicKey);
  if (publicKey instanceof Uint8Array) return parsePublicKeyBlob(publicKey);
  return parsePublicKeyBlob(publicKeyBlobFromKeyObject(publicKey));
}

/** Builds and signs an OpenSSH certificate with the CA key (ed25519, ECDSA or RSA). */
export function signSshCertificate(request: SshCertificateRequest): SshCertificate {
  const subject = subjectPublicKey(request.publicKey);
  const subjectBlob = subject.blob;
  const caBlob = publicKeyBlobFromKeyObject(request.caPrivateKey);
  const validAfter = toSeconds(request.validAfter);
  const validBefore = request.validBefore === 'forever' ? SSH_CERT_FOREVER : toSeconds(request.validBefore);
  if (validBefore <= validAfter) throw new SshKeyError('A certificate must end after it starts (validBefore > validAfter).');
  const extensions = request.extensions ?? (request.certType === 'user' ? DEFAULT_USER_CERT_EXTENSIONS : {});
  const certKeyType = `${subject.type}${CERT_SUFFIX}`;
  const nonce = randomBytes(32);
  // The subject's key fields follow the nonce; they are the public blob minus its type name.
  const subjectFields = subjectBlob.subarray(4 + subject.type.length);
  const signedBytes = new SshWriter()
    .writeString(certKeyType)
    .writeString(nonce)
    .writeRaw(subjectFields)
    .writeUint64(request.serial)
    .writeUint32(CERT_TYPE_CODES[request.certType])
    .writeString(request.keyId)
    .writeString(encodePrincipals(request.principals))
    .writeUint64(validAfter)
    .writeUint64(validBefore)
    .writeString(encodeOptions(request.criticalOptions ?? {}))
    .writeString(encodeOptions(extensions))
    .writeString(new Uint8Array(0))
    .writeString(caBlob)
    .toBuffer();
  const signature = signSsh(request.caPrivateKey, signedBytes);
  const blob = new SshWriter().writeRaw(signedBytes).writeString(signature).toBuffer();
  return parseSshCertificate(blob);
}

function readCertType(code: number): SshCertificateType {
  if (code === CERT_TYPE_CODES.user) return 'user';
  if (code === CERT_TYPE_CODES.host) return 'host';
  throw new SshCertificateMalformedError(`unknown certificate type ${code}`);
}

function parseCertificateFields(blob: Buffer): SshCertificate {
  const reader = new SshReader(blob);
  const certKeyType = reader.readText();
  if (!isCertificateKeyType(certKeyType)) throw new SshCertificateMalformedError(`"${certKeyType}" is a plain key, not a certificate`);
  const baseType = baseKeyTypeOfCertificate(certKeyType);
  const nonce = reader.readString();
  const keyStart = reader.position;
  const keyObject = readPublicKeyFields(baseType, reader);
  const publicBlob = new SshWriter().writeString(baseType).writeRaw(blob.subarray(keyStart, reader.position)).toBuffer();
  const serial = reader.readUint64();
  const certType = readCertType(reader.readUint32());
  const keyId = reader.readText();
  const principals = decodePrincipals(reader.readString());
  const validAfter = reader.readUint64();
  const validBefore = reader.readUint64();
  const criticalOptions = decodeOptions(reader.readString(), 'critical options');
  const extensions = decodeOptions(reader.readString(), 'extensions');
  reader.readString();
  const signatureKey = parsePublicKeyBlob(reader.readString());
  const signedBytes = blob.subarray(0, reader.position);
  const signature = reader.readString();
  reader.expectEnd('the certificate');
  return {
    certKeyType, nonce, publicKey: { type: baseType as SshKeyType, blob: publicBlob, keyObject },
    serial, certType, keyId, principals, validAfter, validBefore, criticalOptions, extensions,
    signatureKey, signature, signedBytes, blob,
  };
}

/** Parses a certificate from its blob or its `*-cert.pub` line; any defect is SshCertificateMalformedError. */
export function parseSshCertificate(input: Uint8Array | string): SshCertificate {
  try {
    const blob = typeof input === 'string' ? parsePublicKeyLineRaw(input).blob : Buffer.from(input);
    return parseCertificateFields(blob);
  } catch (cause) {
    if (cause instanceof SshCertificateMalformedError) throw cause;
    if (cause instanceof SshWireError || cause instanceof SshKeyError) throw new SshCertificateMalformedError(cause.message);
    throw cause;
  }
}

/** The `*-cert.pub` line for a certificate. */
export function formatCertificateLine(certificate: SshCertificate, comment = ''): string {
  return formatPublicKeyLine(certificate.blob, comment);
}
