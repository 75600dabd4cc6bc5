import { createPrivateKey, randomUUID, type KeyObject } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { PosternError } from '@postern/shared/errors';
import {
  createCertificateAuthority, importPrivateKey, loadCertificateAuthority, type CaKind, type CertificateAuthority,
} from '@postern/shared/pki/index';
import { formatPublicKeyLine, generateEd25519KeyPair } from '@postern/shared/ssh/keys';
import type { Db } from '../../db/client.ts';
import { certificateAuthorities, type CaScope, type CertificateAuthorityRow, type StoredCaKind } from '../../db/schema/index.ts';
import { recordAudit, type AuditActor } from '../audit.ts';
import type { Vault } from '../vault.ts';

/**
 * Every CA the server holds, created on first need. Two servers asking at once both try to insert
 * one row for (scope key, kind); the unique index lets one win and both then read the winner, so
 * a CA is never created twice. Private keys exist in clear only inside this process, as KeyObjects.
 */

export type CaOwner =
  | { scope: 'instance' }
  | { scope: 'org'; orgId: string }
  | { scope: 'resource'; orgId: string; resourceId: string };

export type X509CaKind = Exclude<StoredCaKind, 'relay-ssh-client' | 'relay-ssh-server' | 'resource-ssh-user'>;
export type SshCaKind = Extract<StoredCaKind, 'relay-ssh-client' | 'relay-ssh-server' | 'resource-ssh-user'>;

export interface SshCa {
  id: string;
  privateKey: KeyObject;
  /** `ssh-ed25519 AAAA… comment`, as TrustedUserCAKeys and @cert-authority lines take it. */
  publicKeyLine: string;
}

export interface CaStoreDeps {
  db: Db;
  vault: Vault;
  clock: () => Date;
}

const X509_KIND: Record<X509CaKind, CaKind> = {
  'relay-pki-client': 'relay-client',
  'relay-pki-server': 'relay-server',
  'gateway-server': 'gateway-server',
  'gateway-client': 'gateway-client',
};

const scopeKeyOf = (owner: CaOwner) => (owner.scope === 'instance' ? 'instance' : owner.scope === 'org' ? `org:${owner.orgId}` : `resource:${owner.resourceId}`);
const orgIdOf = (owner: CaOwner) => (owner.scope === 'instance' ? null : owner.orgId);
const privateKeyField = (caId: string) => `ca:${caId}:private-key`;

// Reading, decrypting and parsing a CA costs far more than a signature. A CA row never changes once
// written (a deleted resource takes its CA along, and a new resource has a new id), so each vault
// keeps the CAs it has loaded, keyed by scope and kind.
const loaded = new WeakMap<Vault, Map<string, Promise<unknown>>>();
const MAX_CACHED_CAS = 2_000;

function cached<T>(vault: Vault, key: string, load: () => Promise<T>): Promise<T> {
  let cache = loaded.get(vault);
  if (!cache) loaded.set(vault, (cache = new Map()));
  let entry = cache.get(key) as Promise<T> | undefined;
  if (!entry) {
    if (cache.size >= MAX_CACHED_CAS) cache.delete(cache.keys().next().value!);
    entry = load();
    cache.set(key, entry);
    entry.catch(() => cache.delete(key));
  }
  return entry;
}

async function seal(vault: Vault, owner: CaOwner, caId: string, privateKeyPem: string): Promise<string> {
  const orgId = orgIdOf(owner);
  return orgId ? vault.encrypt(orgId, privateKeyField(caId), privateKeyPem) : vault.encryptInstance(privateKeyField(caId), privateKeyPem);
}

async function unseal(vault: Vault, row: CertificateAuthorityRow): Promise<string> {
  return row.orgId
    ? vault.decryptText(row.orgId, privateKeyField(row.id), row.privateKeyCiphertext)
    : vault.decryptInstanceText(privateKeyField(row.id), row.privateKeyCiphertext);
}

type NewCa = Pick<CertificateAuthorityRow, 'certificatePem' | 'publicKey' | 'notAfter'> & { privateKeyPem: string };

/** Reads the CA row, creating it (once, whoever races) with `make` when missing. */
async function findOrCreateRow(deps: CaStoreDeps, owner: CaOwner, kind: StoredCaKind, actor: AuditActor, make: (now: Date) => NewCa): Promise<CertificateAuthorityRow> {
  const scopeKey = scopeKeyOf(owner);
  const find = async () => (await deps.db.select().from(certificateAuthorities)
    .where(and(eq(certificateAuthorities.scopeKey, scopeKey), eq(certificateAuthorities.kind, kind))).limit(1))[0];
  const existing = await find();
  if (existing) return existing;
  const id = randomUUID();
  const now = deps.clock();
  const made = make(now);
  const privateKeyCiphertext = await seal(deps.vault, owner, id, made.privateKeyPem);
  await deps.db.transaction(async (tx) => {
    const inserted = await tx.insert(certificateAuthorities).values({
      id, scope: owner.scope as CaScope, scopeKey, kind, orgId: orgIdOf(owner), resourceId: owner.scope === 'resource' ? owner.resourceId : null,
      certificatePem: made.certificatePem, publicKey: made.publicKey, notAfter: made.notAfter, privateKeyCiphertext, createdAt: now,
    }).onConflictDoNothing().returning({ id: certificateAuthorities.id });
    if (inserted.length) {
      await recordAudit(tx, {
        orgId: orgIdOf(owner), actor, action: 'ca.create', targetType: 'certificate_authority', targetId: id,
        details: { kind, scope: owner.scope, ...(owner.scope === 'resource' ? { resourceId: owner.resourceId } : {}) }, at: now,
      });
    }
  });
  const row = await find();
  if (!row) throw new PosternError('ca_unavailable', 500, `The ${kind} CA could not be created; try again.`);
  return row;
}

/** An X.509 CA of the security model, ready to sign. */
export async function x509Ca(deps: CaStoreDeps, owner: CaOwner, kind: X509CaKind, actor: AuditActor): Promise<CertificateAuthority> {
  if (owner.scope === 'resource') throw new PosternError('ca_scope_invalid', 500, 'X.509 CAs belong to the instance or an org, not a resource.');
  return cached(deps.vault, `${scopeKeyOf(owner)}/${kind}`, async () => {
    const row = await findOrCreateRow(deps, owner, kind, actor, (now) => {
      const { authority, privateKeyPem } = createCertificateAuthority({ kind: X509_KIND[kind], ...(owner.scope === 'org' ? { orgId: owner.orgId } : {}), now });
      return { certificatePem: authority.certificatePem, publicKey: null, notAfter: authority.notAfter, privateKeyPem };
    });
    return loadCertificateAuthority(row.certificatePem!, importPrivateKey(await unseal(deps.vault, row)));
  });
}

/** An ed25519 OpenSSH CA (relay SSH client/server CA, or a resource's user CA). */
export async function sshCa(deps: CaStoreDeps, owner: CaOwner, kind: SshCaKind, actor: AuditActor): Promise<SshCa> {
  return cached(deps.vault, `${scopeKeyOf(owner)}/${kind}`, async () => {
    const row = await findOrCreateRow(deps, owner, kind, actor, () => {
      const keys = generateEd25519KeyPair();
      const comment = `postern-${kind}-${owner.scope === 'resource' ? owner.resourceId : owner.scope === 'org' ? owner.orgId : 'instance'}`;
      return {
        certificatePem: null, publicKey: formatPublicKeyLine(keys.publicKey, comment), notAfter: null,
        privateKeyPem: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      };
    });
    return { id: row.id, privateKey: createPrivateKey(await unseal(deps.vault, row)), publicKeyLine: row.publicKey! };
  });
}
