/**
 * OpenSSH public keys: the wire blobs (RFC 4253 §6.6, RFC 5656, RFC 8709), the one-line
 * `authorized_keys` form, SHA256 fingerprints, and conversion to and from node:crypto KeyObjects.
 * Keys travel through JWK because node:crypto imports and exports raw key material that way.
 */
import { createHash, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SshKeyError, SshWireError } from '../errors.ts';
import { mpintBodyToUnsigned, SshReader, SshWriter, unsignedToMpintBody } from './wire.ts';

export type SshKeyType = 'ssh-ed25519' | 'ecdsa-sha2-nistp256' | 'ecdsa-sha2-nistp384' | 'ecdsa-sha2-nistp521' | 'ssh-rsa';

export interface SshPublicKey {
  type: SshKeyType;
  /** The public key in SSH wire form (what authorized_keys base64-encodes). */
  blob: Buffer;
  keyObject: KeyObject;
}

export interface Ed25519KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

const ECDSA_CURVES = {
  'ecdsa-sha2-nistp256': { ssh: 'nistp256', jwk: 'P-256', bytes: 32 },
  'ecdsa-sha2-nistp384': { ssh: 'nistp384', jwk: 'P-384', bytes: 48 },
  'ecdsa-sha2-nistp521': { ssh: 'nistp521', jwk: 'P-521', bytes: 66 },
} as const;
type EcdsaType = keyof typeof ECDSA_CURVES;

export function generateEd25519KeyPair(): Ed25519KeyPair {
  return generateKeyPairSync('ed25519');
}

function b64url(data: Uint8Array): string {
  return Buffer.from(data).toString('base64url');
}

function fromB64url(text: string | undefined, what: string): Buffer {
  if (typeof text !== 'string') throw new SshKeyError(`The key has no ${what} component.`);
  return Buffer.from(text, 'base64url');
}

function isEcdsaType(type: string): type is EcdsaType {
  return type in ECDSA_CURVES;
}

/** The SSH key type of a node:crypto key (public or private). */
export function sshKeyTypeOf(key: KeyObject): SshKeyType {
  const kind = key.asymmetricKeyType;
  if (kind === 'ed25519') return 'ssh-ed25519';
  if (kind === 'rsa') return 'ssh-rsa';
  if (kind === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return 'ecdsa-sha2-nistp256';
    if (curve === 'secp384r1') return 'ecdsa-sha2-nistp384';
    if (curve === 'secp521r1') return 'ecdsa-sha2-nistp521';
  }
  throw new SshKeyError(`SSH has no key type for this ${kind ?? 'unknown'} key; use ed25519, ECDSA P-256/384/521 or RSA.`);
}

/** The SSH wire blob of a public key; a private key yields its public half. */
export function publicKeyBlobFromKeyObject(key: KeyObject): Buffer {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const type = sshKeyTypeOf(publicKey);
  const jwk = publicKey.export({ format: 'jwk' });
  const writer = new SshWriter().writeString(type);
  if (type === 'ssh-ed25519') {
    writer.writeString(fromB64url(jwk.x, 'x'));
  } else if (type === 'ssh-rsa') {
    writer.writeString(unsignedToMpintBody(fromB64url(jwk.e, 'e')));
    writer.writeString(unsignedToMpintBody(fromB64url(jwk.n, 'n')));
  } else {
    const point = Buffer.concat([Uint8Array.of(4), fromB64url(jwk.x, 'x'), fromB64url(jwk.y, 'y')]);
    writer.writeString(ECDSA_CURVES[type].ssh).writeString(point);
  }
  return writer.toBuffer();
}

/**
 * Reads the key fields that follow the type name in a public key blob — also the layout inside
 * an OpenSSH certificate after its nonce — and returns the key as a node:crypto KeyObject.
 */
export function readPublicKeyFields(type: string, reader: SshReader): KeyObject {
  if (type === 'ssh-ed25519') {
    const x = reader.readString();
    if (x.length !== 32) throw new SshKeyError(`An ed25519 public key is 32 bytes, not ${x.length}.`);
    return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64url(x) }, format: 'jwk' });
  }
  if (type === 'ssh-rsa') {
    const e = mpintBodyToUnsigned(reader.readString());
    const n = mpintBodyToUnsigned(reader.readString());
    return importJwk({ kty: 'RSA', e: b64url(e), n: b64url(n) }, type);
  }
  if (isEcdsaType(type)) {
    const curve = ECDSA_CURVES[type];
    const curveName = reader.readText();
    if (curveName !== curve.ssh) throw new SshKeyError(`Key type ${type} names curve "${curveName}", expected ${curve.ssh}.`);
    const point = reader.readString();
    if (point.length !== 1 + 2 * curve.bytes || point[0] !== 4) {
      throw new SshKeyError(`The ${type} public point is not an uncompressed ${curve.ssh} point.`);
    }
    const x = point.subarray(1, 1 + curve.bytes);
    const y = point.subarray(1 + curve.bytes);
    return importJwk({ kty: 'EC', crv: curve.jwk, x: b64url(x), y: b64url(y) }, type);
  }
  throw new SshKeyError(`Unsupported SSH key type "${type}"; use ssh-ed25519, ecdsa-sha2-nistp256/384/521 or ssh-rsa.`, { type });
}

function importJwk(jwk: Record<string, string>, type: string): KeyObject {
  try {
    return createPublicKey({ key: jwk, format: 'jwk' });
  } catch (cause) {
    throw new SshKeyError(`The ${type} public key is not a valid key: ${(cause as Error).message}.`);
  }
}

/** Parses a public key blob (not a certificate) and checks it has no trailing bytes. */
export function parsePublicKeyBlob(blob: Uint8Array): SshPublicKey {
  const reader = new SshReader(blob);
  const type = reader.readText();
  const keyObject = readPublicKeyFields(type, reader);
  reader.expectEnd(`the ${type} public key`);
  return { type: type as SshKeyType, blob: Buffer.from(blob), keyObject };
}

/** `ssh-ed25519 AAAA… comment`, as authorized_keys and `*.pub` files hold it. */
export function formatPublicKeyLine(key: KeyObject | Uint8Array, comment = ''): string {
  const blob = isKeyObject(key) ? publicKeyBlobFromKeyObject(key) : Buffer.from(key);
  const type = new SshReader(blob).readText();
  const line = `${type} ${blob.toString('base64')}`;
  return comment ? `${line} ${comment}` : line;
}

function isKeyObject(key: KeyObject | Uint8Array): key is KeyObject {
  return !(key instanceof Uint8Array);
}

export interface PublicKeyLine {
  /** The type name at the start of the line (a key type or a certificate type). */
  type: string;
  blob: Buffer;
  comment: string;
}

/** Splits a one-line public key or certificate and checks the blob names the same type as the line. */
export function parsePublicKeyLineRaw(line: string): PublicKeyLine {
  const match = /^([A-Za-z0-9@.-]+)\s+([A-Za-z0-9+/]+={0,2})(?:\s+(.*))?$/.exec(line.trim());
  if (!match) throw new SshKeyError('Not an OpenSSH public key line: expected "<type> <base64> [comment]".');
  const type = match[1]!;
  const blob = Buffer.from(match[2]!, 'base64');
  let blobType: string;
  try {
    blobType = new SshReader(blob).readText();
  } catch (cause) {
    if (cause instanceof SshWireError) throw new SshKeyError(`The base64 part of the key line is not an SSH key: ${cause.message}`);
    throw cause;
  }
  if (blobType !== type) throw new SshKeyError(`The key line says "${type}" but its data is a "${blobType}" key.`);
  return { type, blob, comment: match[3]?.trim() ?? '' };
}

/** Parses `ssh-ed25519 AAAA… comment` (also ecdsa-sha2-nistp* and ssh-rsa) into a KeyObject. */
export function parsePublicKeyLine(line: string): SshPublicKey & { comment: string } {
  const raw = parsePublicKeyLineRaw(line);
  return { ...parsePublicKeyBlob(raw.blob), comment: raw.comment };
}

/** `SHA256:…` exactly as `ssh-keygen -l` prints it (unpadded base64 of the blob's SHA-256). */
export function fingerprintSha256(key: KeyObject | Uint8Array): string {
  const blob = isKeyObject(key) ? publicKeyBlobFromKeyObject(key) : key;
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}
