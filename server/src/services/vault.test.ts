import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type OrgKeyStore, Vault, VaultError } from './vault.ts';

function memoryStore(): OrgKeyStore & { keys: Map<string, string> } {
  const keys = new Map<string, string>();
  return {
    keys,
    async getWrappedKey(orgId) {
      return keys.get(orgId);
    },
    async insertWrappedKeyIfAbsent(orgId, wrapped) {
      if (!keys.has(orgId)) keys.set(orgId, wrapped);
    },
  };
}

describe('Vault', () => {
  it('round-trips a secret and never stores it in the clear', async () => {
    const store = memoryStore();
    const vault = new Vault(randomBytes(32), store);
    const sealed = await vault.encrypt('org-a', 'account:1:password', 'hunter2-secret');
    expect(sealed).not.toContain('hunter2');
    expect(Buffer.from(sealed.split('.')[3]!, 'base64url').toString()).not.toContain('hunter2');
    expect(await vault.decryptText('org-a', 'account:1:password', sealed)).toBe('hunter2-secret');
    expect(store.keys.size).toBe(1);
  });

  it('uses a fresh IV each time', async () => {
    const vault = new Vault(randomBytes(32), memoryStore());
    const a = await vault.encrypt('org', 'f', 'same');
    const b = await vault.encrypt('org', 'f', 'same');
    expect(a).not.toBe(b);
  });

  it('refuses a ciphertext moved to another field, another org or tampered', async () => {
    const vault = new Vault(randomBytes(32), memoryStore());
    const sealed = await vault.encrypt('org-a', 'account:1:password', 'pw');
    await expect(vault.decrypt('org-a', 'account:2:password', sealed)).rejects.toBeInstanceOf(VaultError);
    await expect(vault.decrypt('org-b', 'account:1:password', sealed)).rejects.toBeInstanceOf(VaultError);
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3]!, 'base64url');
    body[0]! ^= 1;
    parts[3] = body.toString('base64url');
    await expect(vault.decrypt('org-a', 'account:1:password', parts.join('.'))).rejects.toThrow(/integrity/);
    await expect(vault.decrypt('org-a', 'account:1:password', 'v1.abc')).rejects.toThrow(/format/);
    await expect(vault.decrypt('org-a', 'account:1:password', 'v1.AA.AA.AA')).rejects.toThrow(/truncated/);
  });

  it('gives each org its own data key, readable after a restart with the same root key only', async () => {
    const root = randomBytes(32);
    const store = memoryStore();
    const first = new Vault(root, store);
    const sealed = await first.encrypt('org-a', 'f', 'persisted');
    await first.encrypt('org-b', 'f', 'other');
    expect(store.keys.get('org-a')).not.toBe(store.keys.get('org-b'));

    const restarted = new Vault(root, store);
    expect(await restarted.decryptText('org-a', 'f', sealed)).toBe('persisted');

    const wrongRoot = new Vault(randomBytes(32), store);
    await expect(wrongRoot.decrypt('org-a', 'f', sealed)).rejects.toThrow(/POSTERN_ROOT_KEY/);
  });

  it('creates one data key when several requests race for it', async () => {
    const store = memoryStore();
    const vault = new Vault(randomBytes(32), store);
    const sealed = await Promise.all(Array.from({ length: 10 }, (_, i) => vault.encrypt('org', 'f', `s${i}`)));
    const other = new Vault((vault as unknown as { rootKey: Buffer }).rootKey, store);
    for (const [i, s] of sealed.entries()) expect(await other.decryptText('org', 'f', s)).toBe(`s${i}`);
  });

  it('rejects a root key of the wrong size', () => {
    expect(() => new Vault(randomBytes(16), memoryStore())).toThrow(/32 bytes/);
  });
});
