/**
 * SSH signature blobs (`string algorithm, string signature`, RFC 4253 §6.6, RFC 5656 §3.1.2,
 * RFC 8332, RFC 8709) made and checked with node:crypto.
 */
import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { SshWireError } from '../errors.ts';
import { sshKeyTypeOf, type SshKeyType } from './keys.ts';
import { mpintBodyToUnsigned, SshReader, SshWriter, unsignedToMpintBody } from './wire.ts';

const ECDSA_HASH = { 'ecdsa-sha2-nistp256': 'sha256', 'ecdsa-sha2-nistp384': 'sha384', 'ecdsa-sha2-nistp521': 'sha512' } as const;
const ECDSA_COORDINATE_BYTES = { 'ecdsa-sha2-nistp256': 32, 'ecdsa-sha2-nistp384': 48, 'ecdsa-sha2-nistp521': 66 } as const;
const RSA_HASH: Record<string, string> = { 'rsa-sha2-512': 'sha512', 'rsa-sha2-256': 'sha256', 'ssh-rsa': 'sha1' };

/** The signature algorithm we sign with for a key: RSA uses SHA-512 (OpenSSH refuses SHA-1 now). */
export function signatureAlgorithmFor(keyType: SshKeyType): string {
  return keyType === 'ssh-rsa' ? 'rsa-sha2-512' : keyType;
}

/** Signs `data` and returns the SSH signature blob. */
export function signSsh(privateKey: KeyObject, data: Uint8Array): Buffer {
  const keyType = sshKeyTypeOf(privateKey);
  const algorithm = signatureAlgorithmFor(keyType);
  let raw: Buffer;
  if (keyType === 'ssh-ed25519') {
    raw = sign(null, data, privateKey);
  } else if (keyType === 'ssh-rsa') {
    raw = sign(RSA_HASH[algorithm]!, data, privateKey);
  } else {
    const p1363 = sign(ECDSA_HASH[keyType], data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
    const half = p1363.length / 2;
    raw = new SshWriter()
      .writeString(unsignedToMpintBody(p1363.subarray(0, half)))
      .writeString(unsignedToMpintBody(p1363.subarray(half)))
      .toBuffer();
  }
  return new SshWriter().writeString(algorithm).writeString(raw).toBuffer();
}

export interface ParsedSshSignature {
  algorithm: string;
  raw: Uint8Array;
}

export function parseSignatureBlob(blob: Uint8Array): ParsedSshSignature {
  const reader = new SshReader(blob);
  const algorithm = reader.readText();
  const raw = reader.readString();
  reader.expectEnd('the signature');
  return { algorithm, raw };
}

/** Rebuilds the fixed-width r||s form node:crypto verifies from SSH's two mpints. */
function ecdsaP1363(raw: Uint8Array, coordinateBytes: number): Buffer {
  const reader = new SshReader(raw);
  const parts = [reader.readString(), reader.readString()].map((mpint) => {
    const value = mpintBodyToUnsigned(mpint);
    if (value.length > coordinateBytes) throw new SshWireError('ECDSA signature component is too long');
    return Buffer.concat([Buffer.alloc(coordinateBytes - value.length), value]);
  });
  reader.expectEnd('the ECDSA signature');
  return Buffer.concat(parts);
}

/**
 * Checks an SSH signature blob over `data` with `publicKey`. Returns false for a wrong signature
 * or an algorithm that does not fit the key; throws only for bytes that cannot be a signature.
 */
export function verifySshSignature(publicKey: KeyObject, data: Uint8Array, signatureBlob: Uint8Array): boolean {
  const key = publicKey.type === 'private' ? createPublicKey(publicKey) : publicKey;
  const keyType = sshKeyTypeOf(key);
  const { algorithm, raw } = parseSignatureBlob(signatureBlob);
  if (keyType === 'ssh-ed25519') {
    return algorithm === 'ssh-ed25519' && raw.length === 64 && verify(null, data, key, raw);
  }
  if (keyType === 'ssh-rsa') {
    const hash = RSA_HASH[algorithm];
    return hash !== undefined && verify(hash, data, key, raw);
  }
  if (algorithm !== keyType) return false;
  return verify(ECDSA_HASH[keyType], data, { key, dsaEncoding: 'ieee-p1363' }, ecdsaP1363(raw, ECDSA_COORDINATE_BYTES[keyType]));
}
