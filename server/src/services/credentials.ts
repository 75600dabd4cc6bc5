import { createHash } from 'node:crypto';
import ssh2 from 'ssh2';
import { UnprocessableError } from '@postern/shared/errors';
import type { CredentialInput } from '@postern/shared/schemas/accounts';

// ssh2 is CommonJS: Node's ESM loader cannot see its named exports, so take utils off the default export.
const ssh2Utils = ssh2.utils;

/** What the vault stores for an account, as JSON, encrypted as one field. */
export type StoredSecret = { password: string } | { privateKey: string; passphrase?: string } | { token: string };

export interface PreparedCredential {
  username: string | null;
  secret: StoredSecret | null;
  publicKey: string | null;
  publicKeyFingerprint: string | null;
}

export class InvalidPrivateKeyError extends UnprocessableError {
  constructor(reason: string) {
    super(
      'invalid_private_key',
      `The private key could not be read: ${reason}. Paste the whole key in OpenSSH format (ssh-keygen writes it), with its passphrase if it has one.`,
      { field: 'credential.privateKey' },
    );
  }
}

/** The public key line and fingerprint ssh-keygen prints for a key blob. */
export function describePublicKey(type: string, blob: Buffer): { publicKey: string; fingerprint: string } {
  const fingerprint = `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
  return { publicKey: `${type} ${blob.toString('base64')}`, fingerprint };
}

/**
 * Checks a credential beyond its shape (a private key must parse and be private) and splits it into
 * what is stored in the clear (login name, public key) and what goes to the vault.
 */
export function prepareCredential(input: CredentialInput): PreparedCredential {
  switch (input.type) {
    case 'ssh-password':
      return { username: input.username, secret: { password: input.password }, publicKey: null, publicKeyFingerprint: null };
    case 'ssh-certificate':
      return { username: input.username, secret: null, publicKey: null, publicKeyFingerprint: null };
    case 'kubernetes-token':
      return { username: null, secret: { token: input.token }, publicKey: null, publicKeyFingerprint: null };
    case 'ssh-key': {
      const parsed = ssh2Utils.parseKey(input.privateKey, input.passphrase);
      if (parsed instanceof Error) throw new InvalidPrivateKeyError(parsed.message.replace(/\.$/, '').toLowerCase());
      const key = Array.isArray(parsed) ? parsed[0] : parsed;
      if (!key) throw new InvalidPrivateKeyError('the text holds no key');
      if (!key.isPrivateKey()) throw new InvalidPrivateKeyError('this is a public key, not a private key');
      const { publicKey, fingerprint } = describePublicKey(key.type, key.getPublicSSH());
      const secret = input.passphrase ? { privateKey: input.privateKey, passphrase: input.passphrase } : { privateKey: input.privateKey };
      return { username: input.username, secret, publicKey, publicKeyFingerprint: fingerprint };
    }
  }
}
