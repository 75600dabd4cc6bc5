import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { PosternError } from '@postern/shared/errors';

/**
 * Envelope encryption for every secret the server stores (account passwords, private keys and
 * tokens, CA private keys). Each org has its own random 256-bit data key, stored only wrapped by
 * the server's root key; secrets are AES-256-GCM under the org's data key. The associated data
 * binds a ciphertext to its org and to the exact field it belongs to, so a ciphertext copied to
 * another row, field or org fails to decrypt instead of leaking a secret through the wrong door.
 */

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const FORMAT = 'v1';

export class VaultError extends PosternError {
  constructor(message: string) {
    super('vault_error', 500, message);
  }
}

/** Where wrapped org data keys live; the server backs it with the `org_keys` table. */
export interface OrgKeyStore {
  getWrappedKey(orgId: string): Promise<string | undefined>;
  /** Stores the key unless one exists already (two servers may race to create it). */
  insertWrappedKeyIfAbsent(orgId: string, wrappedKey: string): Promise<void>;
}

function seal(key: Buffer, plaintext: Buffer, aad: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return [FORMAT, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
}

function open(key: Buffer, sealed: string, aad: string): Buffer {
  const parts = sealed.split('.');
  if (parts.length !== 4 || parts[0] !== FORMAT) throw new VaultError('A stored secret is not in a format this server understands.');
  const iv = Buffer.from(parts[1]!, 'base64url');
  const tag = Buffer.from(parts[2]!, 'base64url');
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new VaultError('A stored secret is truncated.');
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(Buffer.from(parts[3]!, 'base64url')), decipher.final()]);
  } catch {
    throw new VaultError(
      'A stored secret failed its integrity check: it was altered, moved to another record, or the server started with a different POSTERN_ROOT_KEY than the one that wrote it.',
    );
  }
}

export class Vault {
  private readonly dataKeys = new Map<string, Promise<Buffer>>();

  constructor(
    private readonly rootKey: Buffer,
    private readonly store: OrgKeyStore,
  ) {
    if (rootKey.length !== KEY_BYTES) throw new VaultError(`The root key must be ${KEY_BYTES} bytes; it is ${rootKey.length}.`);
  }

  /** Encrypts `plaintext` for `orgId`; `field` names where it is stored, e.g. `account:<id>:password`. */
  async encrypt(orgId: string, field: string, plaintext: string | Buffer): Promise<string> {
    const key = await this.dataKey(orgId);
    return seal(key, typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext, secretAad(orgId, field));
  }

  async decrypt(orgId: string, field: string, sealed: string): Promise<Buffer> {
    return open(await this.dataKey(orgId), sealed, secretAad(orgId, field));
  }

  async decryptText(orgId: string, field: string, sealed: string): Promise<string> {
    return (await this.decrypt(orgId, field, sealed)).toString('utf8');
  }

  /**
   * Instance-level secrets (the managed relays' CA keys) belong to no org, so there is no org data
   * key to use: they are sealed under the root key itself, with associated data of their own so a
   * wrapped org data key can never be opened as one (or the other way round).
   */
  encryptInstance(field: string, plaintext: string | Buffer): string {
    return seal(this.rootKey, typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext, instanceAad(field));
  }

  decryptInstanceText(field: string, sealed: string): string {
    return open(this.rootKey, sealed, instanceAad(field)).toString('utf8');
  }

  private dataKey(orgId: string): Promise<Buffer> {
    let key = this.dataKeys.get(orgId);
    if (!key) {
      key = this.loadOrCreateDataKey(orgId);
      this.dataKeys.set(orgId, key);
      key.catch(() => this.dataKeys.delete(orgId));
    }
    return key;
  }

  private async loadOrCreateDataKey(orgId: string): Promise<Buffer> {
    let wrapped = await this.store.getWrappedKey(orgId);
    if (!wrapped) {
      await this.store.insertWrappedKeyIfAbsent(orgId, seal(this.rootKey, randomBytes(KEY_BYTES), dataKeyAad(orgId)));
      wrapped = await this.store.getWrappedKey(orgId);
      if (!wrapped) throw new VaultError(`The data key for org ${orgId} could not be stored.`);
    }
    return open(this.rootKey, wrapped, dataKeyAad(orgId));
  }
}

const dataKeyAad = (orgId: string) => `postern:org-data-key:${FORMAT}:${orgId}`;
const secretAad = (orgId: string, field: string) => `postern:secret:${FORMAT}:${orgId}:${field}`;
const instanceAad = (field: string) => `postern:instance-secret:${FORMAT}:${field}`;
