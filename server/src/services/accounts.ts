import { randomUUID } from 'node:crypto';
import { and, asc, eq, type SQL } from 'drizzle-orm';
import { UnprocessableError } from '@postern/shared/errors';
import { RESOURCE_TYPE_OF_ACCOUNT, type Account, type CredentialInput } from '@postern/shared/schemas/accounts';
import type { Db } from '../db/client.ts';
import { accounts, type AccountRow, type ResourceRow } from '../db/schema/index.ts';
import type { Principal } from '../http/principal.ts';
import { recordAudit } from './audit.ts';
import { prepareCredential, type StoredSecret } from './credentials.ts';
import type { Vault } from './vault.ts';

/** The vault field an account's credential is bound to: a ciphertext moved to another account will not open. */
const secretField = (accountId: string) => `account:${accountId}:credential`;

export function accountBody(row: AccountRow): Account {
  return {
    id: row.id, orgId: row.orgId, projectId: row.projectId, resourceId: row.resourceId, name: row.name, description: row.description,
    type: row.type, username: row.username, hasSecret: row.secretCiphertext !== null,
    publicKey: row.publicKey, publicKeyFingerprint: row.publicKeyFingerprint,
    createdAt: row.createdAt.toISOString(), updatedAt: row.updatedAt.toISOString(),
  };
}

function assertFitsResource(credential: CredentialInput, resource: ResourceRow): void {
  if (RESOURCE_TYPE_OF_ACCOUNT[credential.type] !== resource.type) {
    throw new UnprocessableError(
      'account_type_mismatch',
      `A ${credential.type} account cannot log in to ${resource.type === 'ssh' ? 'an SSH server' : 'a Kubernetes cluster'} ("${resource.name}"); use ${resource.type === 'ssh' ? 'ssh-password, ssh-key or ssh-certificate' : 'kubernetes-token'}.`,
      { field: 'credential.type' },
    );
  }
}

/** Everything stored for a credential: the clear columns, and the vault ciphertext of the secret. */
async function credentialColumns(vault: Vault, orgId: string, accountId: string, credential: CredentialInput) {
  const prepared = prepareCredential(credential);
  return {
    type: credential.type,
    username: prepared.username,
    publicKey: prepared.publicKey,
    publicKeyFingerprint: prepared.publicKeyFingerprint,
    secretCiphertext: prepared.secret ? await vault.encrypt(orgId, secretField(accountId), JSON.stringify(prepared.secret)) : null,
  };
}

export function listAccounts(db: Db, projectId: string, resourceId?: string): Promise<AccountRow[]> {
  const conditions: SQL[] = [eq(accounts.projectId, projectId)];
  if (resourceId) conditions.push(eq(accounts.resourceId, resourceId));
  return db.select().from(accounts).where(and(...conditions)).orderBy(asc(accounts.name), asc(accounts.id));
}

export interface AccountInput {
  name: string;
  description?: string | undefined;
  credential: CredentialInput;
}

export async function createAccount(db: Db, vault: Vault, actor: Principal, resource: ResourceRow, input: AccountInput, now: Date): Promise<AccountRow> {
  assertFitsResource(input.credential, resource);
  const id = randomUUID();
  const columns = await credentialColumns(vault, resource.orgId, id, input.credential);
  return db.transaction(async (tx) => {
    const [row] = await tx.insert(accounts).values({
      id, orgId: resource.orgId, projectId: resource.projectId, resourceId: resource.id, name: input.name,
      description: input.description ?? '', ...columns, createdAt: now, updatedAt: now,
    }).returning();
    await recordAudit(tx, {
      orgId: resource.orgId, projectId: resource.projectId, actor, action: 'account.create', targetType: 'account', targetId: id,
      details: { name: input.name, type: input.credential.type, resourceId: resource.id }, at: now,
    });
    return row!;
  });
}

export async function updateAccount(
  db: Db, vault: Vault, actor: Principal, existing: AccountRow, resource: ResourceRow, input: Partial<AccountInput>, now: Date,
): Promise<AccountRow> {
  if (input.credential) assertFitsResource(input.credential, resource);
  const columns = input.credential ? await credentialColumns(vault, existing.orgId, existing.id, input.credential) : {};
  const { credential: _omit, ...plain } = input;
  return db.transaction(async (tx) => {
    const [row] = await tx.update(accounts).set({ ...plain, ...columns, updatedAt: now })
      .where(and(eq(accounts.id, existing.id), eq(accounts.orgId, existing.orgId))).returning();
    await recordAudit(tx, {
      orgId: existing.orgId, projectId: existing.projectId, actor, action: 'account.update', targetType: 'account', targetId: existing.id,
      details: { name: row!.name, fields: Object.keys(input), credentialReplaced: Boolean(input.credential) }, at: now,
    });
    return row!;
  });
}

export async function deleteAccount(db: Db, actor: Principal, existing: AccountRow, now: Date): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.delete(accounts).where(and(eq(accounts.id, existing.id), eq(accounts.orgId, existing.orgId)));
    await recordAudit(tx, {
      orgId: existing.orgId, projectId: existing.projectId, actor, action: 'account.delete', targetType: 'account', targetId: existing.id,
      details: { name: existing.name, type: existing.type }, at: now,
    });
  });
}

/** The decrypted credential, for the gateway that opens a session with it; never for an API response. */
export async function readAccountSecret(vault: Vault, row: AccountRow): Promise<StoredSecret | null> {
  if (!row.secretCiphertext) return null;
  return JSON.parse(await vault.decryptText(row.orgId, secretField(row.id), row.secretCiphertext)) as StoredSecret;
}
