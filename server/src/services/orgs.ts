import { and, asc, eq, ne, sql } from 'drizzle-orm';
import { ForbiddenError, NotFoundError, UnprocessableError } from '@postern/shared/errors';
import type { Db, DbOrTx } from '../db/client.ts';
import { orgMemberships, orgs, projectMemberships, projects, users, type Org, type OrgRole } from '../db/schema/index.ts';
import type { Principal } from '../http/principal.ts';
import { recordAudit, type AuditActor } from './audit.ts';
import { hashPassword } from './passwords.ts';

/** Orgs and their user members. Callers have already checked the caller's org role. */

export interface OrgMember {
  userId: string;
  email: string;
  displayName: string | null;
  role: OrgRole;
  joinedAt: Date;
}

export async function createOrg(db: Db, actor: Principal & { kind: 'user' }, name: string, now: Date): Promise<Org> {
  return db.transaction(async (tx) => {
    const [org] = await tx.insert(orgs).values({ name, createdAt: now, updatedAt: now }).returning();
    await tx.insert(orgMemberships).values({ orgId: org!.id, userId: actor.userId, role: 'owner', createdAt: now });
    await recordAudit(tx, { orgId: org!.id, actor, action: 'org.create', targetType: 'org', targetId: org!.id, details: { name }, at: now });
    return org!;
  });
}

export async function listOrgsOf(db: Db, principal: Principal): Promise<Array<Org & { role: OrgRole | null }>> {
  if (principal.kind === 'machine') {
    const rows = await db.select().from(orgs).where(eq(orgs.id, principal.orgId));
    return rows.map((org) => ({ ...org, role: null }));
  }
  return db.select({ id: orgs.id, name: orgs.name, createdAt: orgs.createdAt, updatedAt: orgs.updatedAt, role: orgMemberships.role })
    .from(orgMemberships).innerJoin(orgs, eq(orgs.id, orgMemberships.orgId))
    .where(eq(orgMemberships.userId, principal.userId)).orderBy(asc(orgs.name));
}

export async function renameOrg(db: Db, actor: AuditActor, orgId: string, name: string, now: Date): Promise<Org> {
  return db.transaction(async (tx) => {
    const [before] = await tx.select({ name: orgs.name }).from(orgs).where(eq(orgs.id, orgId));
    const [org] = await tx.update(orgs).set({ name, updatedAt: now }).where(eq(orgs.id, orgId)).returning();
    await recordAudit(tx, { orgId, actor, action: 'org.update', targetType: 'org', targetId: orgId, details: { from: before?.name, to: name }, at: now });
    return org!;
  });
}

export async function listOrgMembers(db: DbOrTx, orgId: string): Promise<OrgMember[]> {
  return db.select({ userId: users.id, email: users.email, displayName: users.displayName, role: orgMemberships.role, joinedAt: orgMemberships.createdAt })
    .from(orgMemberships).innerJoin(users, eq(users.id, orgMemberships.userId))
    .where(eq(orgMemberships.orgId, orgId)).orderBy(asc(users.email));
}

export async function findOrgMember(db: DbOrTx, orgId: string, userId: string): Promise<OrgMember> {
  const [member] = await db.select({ userId: users.id, email: users.email, displayName: users.displayName, role: orgMemberships.role, joinedAt: orgMemberships.createdAt })
    .from(orgMemberships).innerJoin(users, eq(users.id, orgMemberships.userId))
    .where(and(eq(orgMemberships.orgId, orgId), eq(orgMemberships.userId, userId))).limit(1);
  if (!member) throw new NotFoundError('user', userId);
  return member;
}

/** Only an owner may make, change or remove an owner; admins manage admins and members. */
export function assertMayManageRole(actorRole: OrgRole, ...roles: OrgRole[]): void {
  if (actorRole !== 'owner' && roles.includes('owner')) {
    throw new ForbiddenError('Only an org owner can grant, change or remove the owner role.', { required: ['owner'], actual: actorRole });
  }
}

export interface NewOrgUser { email: string; password: string; displayName?: string | undefined; role: OrgRole }

export async function createOrgUser(db: Db, actor: AuditActor, orgId: string, input: NewOrgUser, now: Date): Promise<OrgMember> {
  const passwordHash = await hashPassword(input.password);
  return db.transaction(async (tx) => {
    const [user] = await tx.insert(users).values({ email: input.email, displayName: input.displayName ?? null, passwordHash, createdAt: now, updatedAt: now }).returning();
    await tx.insert(orgMemberships).values({ orgId, userId: user!.id, role: input.role, createdAt: now });
    await recordAudit(tx, { orgId, actor, action: 'org.user.create', targetType: 'user', targetId: user!.id, details: { email: input.email, role: input.role }, at: now });
    return findOrgMember(tx, orgId, user!.id);
  });
}

async function assertNotLastOwner(tx: DbOrTx, orgId: string, userId: string): Promise<void> {
  const [row] = await tx.select({ n: sql<number>`count(*)::int` }).from(orgMemberships)
    .where(and(eq(orgMemberships.orgId, orgId), eq(orgMemberships.role, 'owner'), ne(orgMemberships.userId, userId)));
  if ((row?.n ?? 0) === 0) throw new UnprocessableError('last_owner', 'This is the org\'s last owner; make another member owner first.', { orgId, userId });
}

export async function changeOrgRole(db: Db, actor: AuditActor, actorRole: OrgRole, orgId: string, userId: string, role: OrgRole, now: Date): Promise<OrgMember> {
  return db.transaction(async (tx) => {
    const member = await findOrgMember(tx, orgId, userId);
    assertMayManageRole(actorRole, member.role, role);
    if (member.role === 'owner' && role !== 'owner') await assertNotLastOwner(tx, orgId, userId);
    await tx.update(orgMemberships).set({ role }).where(and(eq(orgMemberships.orgId, orgId), eq(orgMemberships.userId, userId)));
    await recordAudit(tx, { orgId, actor, action: 'org.user.role_change', targetType: 'user', targetId: userId, details: { from: member.role, to: role }, at: now });
    return { ...member, role };
  });
}

/** Removes the user from the org and from every project of the org; the user account stays. */
export async function removeOrgUser(db: Db, actor: AuditActor, actorRole: OrgRole, orgId: string, userId: string, now: Date): Promise<void> {
  await db.transaction(async (tx) => {
    const member = await findOrgMember(tx, orgId, userId);
    assertMayManageRole(actorRole, member.role);
    if (member.role === 'owner') await assertNotLastOwner(tx, orgId, userId);
    const orgProjects = tx.select({ id: projects.id }).from(projects).where(eq(projects.orgId, orgId));
    await tx.delete(projectMemberships).where(and(eq(projectMemberships.userId, userId), sql`${projectMemberships.projectId} in ${orgProjects}`));
    await tx.delete(orgMemberships).where(and(eq(orgMemberships.orgId, orgId), eq(orgMemberships.userId, userId)));
    await recordAudit(tx, { orgId, actor, action: 'org.user.remove', targetType: 'user', targetId: userId, details: { email: member.email, role: member.role }, at: now });
  });
}
