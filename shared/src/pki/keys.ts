/**
 * Key material for every Postern CA and X.509 leaf: ECDSA P-256 from node:crypto.
 * P-256 rather than Ed25519 or RSA: see docs/architecture.md "X.509 certificates".
 * A private key stays a KeyObject in memory: parsing PEM costs ~15x a signature, so callers
 * import a CA key once (importPrivateKey) and keep the object.
 */
import { createHash, createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { X509MalformedError } from '../errors.ts';

export interface PkiKeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export function generatePkiKeyPair(): PkiKeyPair {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' });
}

/** Throws unless `key` is a P-256 key: the only kind Postern CAs sign for or with. */
export function assertP256Key(key: KeyObject, what: string): void {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    const kind = key.asymmetricKeyType === 'ec' ? `EC ${key.asymmetricKeyDetails?.namedCurve}` : key.asymmetricKeyType;
    throw new X509MalformedError(what, `its key is ${kind ?? 'not asymmetric'}; Postern certificates use ECDSA P-256 keys (generatePkiKeyPair)`);
  }
}

export function exportPrivateKeyPem(key: KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'pem' }) as string;
}

export function importPrivateKey(pemOrDer: string | Uint8Array): KeyObject {
  let key: KeyObject;
  try {
    key = typeof pemOrDer === 'string'
      ? createPrivateKey(pemOrDer)
      : createPrivateKey({ key: Buffer.from(pemOrDer), format: 'der', type: 'pkcs8' });
  } catch (cause) {
    throw new X509MalformedError('private key', `it is not a PKCS#8 key (${(cause as Error).message})`);
  }
  assertP256Key(key, 'private key');
  return key;
}

export function spkiDer(publicKey: KeyObject): Buffer {
  return publicKey.export({ type: 'spki', format: 'der' });
}

/** ECDSA-with-SHA256 over `data`, DER-encoded Ecdsa-Sig-Value as X.509 and PKCS#10 carry it. */
export function signEcdsaSha256(data: Uint8Array, privateKey: KeyObject): Buffer {
  return sign('sha256', data, privateKey);
}

/**
 * Key identifier of a public key: the leftmost 160 bits of SHA-256 over its DER
 * SubjectPublicKeyInfo (RFC 7093 §2 method 4, truncated as methods 1-3 are), so issuer lookup
 * works without SHA-1 and without taking the key apart.
 */
export function keyIdentifier(subjectPublicKeyInfoDer: Uint8Array): Buffer {
  return createHash('sha256').update(subjectPublicKeyInfoDer).digest().subarray(0, 20);
}
