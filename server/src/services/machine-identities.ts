import { randomBytes } from 'node:crypto';
import { and, asc, eq } from 'drizzle-orm';
import { NotFoundError } from '@postern/shared/errors';
import type { Db, DbOrTx } from '../db/client.ts';
import { machineIdentities, type MachineIdentity } from '../db/schema/index.ts';
import { recordAudit, type AuditActor } from './audit.ts';
import { TOKEN_PREFIX, generateToken, hashToken, revokeMachineIdentityTokens } from './tokens.ts';

/**
 * Machine identities (gateways, automation): a client id and a secret shown once. The secret is
 * 32 random bytes, so it is stored as a plain SHA-256 hash; a slow hash would add nothing.
 */

export interface MachineCredentials { identity: MachineIdentity; clientSecret: string }

const newClientId = () => `pci_${randomBytes(12).toString('hex')}`;

export async function listMachineIdentities(db: DbOrTx, orgId: string): Promise<MachineIdentity[]> {
  return db.select().from(machineIdentities).where(eq(machineIdentities.orgId, orgId)).orderBy(asc(machineIdentities.name));
}

export async function findMachineIdentity(db: DbOrTx, orgId: string, identityId: string): Promise<MachineIdentity> {
  const [identity] = await db.select().from(machineIdentities)
    .where(and(eq(machineIdentities.id, identityId), eq(machineIdentities.orgId, orgId))).limit(1);
  if (!identity) throw new NotFoundError('machine_identity', identityId);
  return identity;
}

export async function createMachineIdentity(db: Db, actor: AuditActor, orgId: string, name: string, now: Date): Promise<MachineCredentials> {
  const clientSecret = generateToken(TOKEN_PREFIX.clientSecret);
  return db.transaction(async (tx) => {
    const [identity] = await tx.insert(machineIdentities)
      .values({ orgId, name, clientId: newClientId(), clientSecretHash: hashToken(clientSecret), createdAt: now, updatedAt: now }).returning();
    await recordAudit(tx, { orgId, actor, action: 'machine_identity.create', targetType: 'machine_identity', targetId: identity!.id, details: { name, clientId: identity!.clientId }, at: now });
    return { identity: identity!, clientSecret };
  });
}

/** A new secret replaces the old one at once, and every token issued with the old one is revoked. */
export async function rotateMachineIdentitySecret(db: Db, actor: AuditActor, orgId: string, identityId: string, now: Date): Promise<MachineCredentials> {
  const clientSecret = generateToken(TOKEN_PREFIX.clientSecret);
  return db.transaction(async (tx) => {
    await findMachineIdentity(tx, orgId, identityId);
    const [identity] = await tx.update(machineIdentities).set({ clientSecretHash: hashToken(clientSecret), updatedAt: now })
      .where(and(eq(machineIdentities.id, identityId), eq(machineIdentities.orgId, orgId))).returning();
    await revokeMachineIdentityTokens(tx, identityId, now, 'secret_rotated');
    await recordAudit(tx, { orgId, actor, action: 'machine_identity.rotate_secret', targetType: 'machine_identity', targetId: identityId, at: now });
    return { identity: identity!, clientSecret };
  });
}

export async function renameMachineIdentity(db: Db, actor: AuditActor, orgId: string, identityId: string, name: string, now: Date): Promise<MachineIdentity> {
  return db.transaction(async (tx) => {
    const before = await findMachineIdentity(tx, orgId, identityId);
    const [identity] = await tx.update(machineIdentities).set({ name, updatedAt: now })
      .where(and(eq(machineIdentities.id, identityId), eq(machineIdentities.orgId, orgId))).returning();
    await recordAudit(tx, { orgId, actor, action: 'machine_identity.update', targetType: 'machine_identity', targetId: identityId, details: { from: before.name, to: name }, at: now });
    return identity!;
  });
}

/** Deleting cascades to its tokens and project memberships, so it can no longer sign in or act. */
export async function deleteMachineIdentity(db: Db, actor: AuditActor, orgId: string, identityId: string, now: Date): Promise<void> {
  await db.transaction(async (tx) => {
    const identity = await findMachineIdentity(tx, orgId, identityId);
    await revokeMachineIdentityTokens(tx, identityId, now, 'deleted');
    await tx.delete(machineIdentities).where(and(eq(machineIdentities.id, identityId), eq(machineIdentities.orgId, orgId)));
    await recordAudit(tx, { orgId, actor, action: 'machine_identity.delete', targetType: 'machine_identity', targetId: identityId, details: { name: identity.name, clientId: identity.clientId }, at: now });
  });
}
