/**
 * The OpenSSH private key file format ("openssh-key-v1", PROTOCOL.key in OpenSSH), unencrypted,
 * for ed25519 keys: what `ssh -i`, sshd's HostKey and ssh2's parseKey all read.
 * Keys are made by the party that uses them and are never sent, so no passphrase layer here.
 */
import { createPrivateKey, createPublicKey, randomInt, type KeyObject } from 'node:crypto';
import { SshKeyError } from '../errors.ts';
import { publicKeyBlobFromKeyObject } from './keys.ts';
import { SshReader, SshWriter } from './wire.ts';

const MAGIC = Buffer.from('openssh-key-v1\0', 'latin1');
const PEM_BEGIN = '-----BEGIN OPENSSH PRIVATE KEY-----';
const PEM_END = '-----END OPENSSH PRIVATE KEY-----';
const CIPHER_BLOCK_BYTES = 8;

export interface OpenSshPrivateKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  comment: string;
}

function ed25519Raw(privateKey: KeyObject): { seed: Buffer; publicBytes: Buffer } {
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') {
    throw new SshKeyError('Only ed25519 private keys are written in OpenSSH format here; generate one with generateEd25519KeyPair().');
  }
  const jwk = privateKey.export({ format: 'jwk' });
  return { seed: Buffer.from(jwk.d ?? '', 'base64url'), publicBytes: Buffer.from(jwk.x ?? '', 'base64url') };
}

/** Encodes an ed25519 private KeyObject as an unencrypted `-----BEGIN OPENSSH PRIVATE KEY-----` file. */
export function encodeOpenSshPrivateKey(privateKey: KeyObject, comment = ''): string {
  const { seed, publicBytes } = ed25519Raw(privateKey);
  const publicBlob = publicKeyBlobFromKeyObject(privateKey);
  // The two equal check words let a reader detect a wrong passphrase; random as OpenSSH does.
  const check = randomInt(0, 2 ** 32 - 1);
  const section = new SshWriter()
    .writeUint32(check)
    .writeUint32(check)
    .writeString('ssh-ed25519')
    .writeString(publicBytes)
    .writeString(Buffer.concat([seed, publicBytes]))
    .writeString(comment);
  const unpadded = section.toBuffer();
  const padLength = (CIPHER_BLOCK_BYTES - (unpadded.length % CIPHER_BLOCK_BYTES)) % CIPHER_BLOCK_BYTES;
  const padding = Uint8Array.from({ length: padLength }, (_, i) => i + 1);
  const body = new SshWriter()
    .writeRaw(MAGIC)
    .writeString('none')
    .writeString('none')
    .writeString(new Uint8Array(0))
    .writeUint32(1)
    .writeString(publicBlob)
    .writeString(Buffer.concat([unpadded, padding]))
    .toBuffer();
  const base64Lines = body.toString('base64').match(/.{1,70}/g) ?? [];
  return `${PEM_BEGIN}\n${base64Lines.join('\n')}\n${PEM_END}\n`;
}

/** Parses an unencrypted OpenSSH ed25519 private key file and checks its halves agree. */
export function parseOpenSshPrivateKey(pem: string): OpenSshPrivateKey {
  const text = pem.trim();
  if (!text.startsWith(PEM_BEGIN) || !text.endsWith(PEM_END)) {
    throw new SshKeyError('Not an OpenSSH private key: expected "-----BEGIN OPENSSH PRIVATE KEY-----".');
  }
  const body = Buffer.from(text.slice(PEM_BEGIN.length, -PEM_END.length).replace(/\s+/g, ''), 'base64');
  if (body.length < MAGIC.length || !body.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new SshKeyError('The OpenSSH private key does not start with "openssh-key-v1".');
  }
  const reader = new SshReader(body.subarray(MAGIC.length));
  const cipher = reader.readText();
  const kdf = reader.readText();
  reader.readString();
  if (cipher !== 'none' || kdf !== 'none') {
    throw new SshKeyError(`The private key is encrypted (${cipher}/${kdf}); remove the passphrase with "ssh-keygen -p -N ''".`);
  }
  if (reader.readUint32() !== 1) throw new SshKeyError('The private key file holds more than one key; use a file with exactly one.');
  const publicBlob = reader.readString();
  const section = new SshReader(reader.readString());
  reader.expectEnd('the private key file');
  return readEd25519Section(section, Buffer.from(publicBlob));
}

function readEd25519Section(section: SshReader, publicBlob: Buffer): OpenSshPrivateKey {
  if (section.readUint32() !== section.readUint32()) throw new SshKeyError('The private key check words differ: the file is corrupt.');
  const type = section.readText();
  if (type !== 'ssh-ed25519') throw new SshKeyError(`Only ssh-ed25519 private keys are read here, not ${type}.`);
  const publicBytes = section.readString();
  const secret = section.readString();
  const comment = section.readText();
  const padding = section.readRest();
  if (secret.length !== 64 || publicBytes.length !== 32) throw new SshKeyError('The ed25519 private key has the wrong length.');
  if (!padding.every((byte, i) => byte === i + 1)) throw new SshKeyError('The private key padding is wrong: the file is corrupt.');
  const d = Buffer.from(secret.subarray(0, 32)).toString('base64url');
  const x = Buffer.from(publicBytes).toString('base64url');
  const privateKey = createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d, x }, format: 'jwk' });
  const publicKey = createPublicKey(privateKey);
  const derivedPublic = publicKeyBlobFromKeyObject(publicKey);
  if (!derivedPublic.equals(publicBlob) || !Buffer.from(secret.subarray(32)).equals(publicBytes)) {
    throw new SshKeyError('The private key does not match the public key stored beside it: the file is corrupt.');
  }
  return { privateKey, publicKey, comment };
}
