import { and, asc, eq, inArray } from 'drizzle-orm';
import { NotFoundError } from '@postern/shared/errors';
import type { Db, DbOrTx } from '../db/client.ts';
import {
  machineIdentities, orgMemberships, projectMemberships, projects, users,
  type Project, type ProjectMembership, type ProjectRole,
} from '../db/schema/index.ts';
import type { Principal } from '../http/principal.ts';
import { recordAudit, type AuditActor } from './audit.ts';
import { ORG_WIDE_PROJECT_ADMIN_ROLES, orgRoleOf } from './authorization.ts';

/** Projects and their members. Callers have already checked the caller's role. */

export interface ProjectInput { name: string; description?: string | undefined; maxSessionDurationSeconds?: number | undefined }

/** Projects of the org the caller can see: all for org owners/admins, else those it is a member of. */
export async function listVisibleProjects(db: Db, principal: Principal, orgId: string): Promise<Project[]> {
  const orgRole = await orgRoleOf(db, principal, orgId);
  if (orgRole && ORG_WIDE_PROJECT_ADMIN_ROLES.includes(orgRole)) {
    return db.select().from(projects).where(eq(projects.orgId, orgId)).orderBy(asc(projects.name));
  }
  const member = principal.kind === 'user' ? eq(projectMemberships.userId, principal.userId) : eq(projectMemberships.machineIdentityId, principal.identityId);
  const rows = await db.select({ project: projects }).from(projectMemberships)
    .innerJoin(projects, eq(projects.id, projectMemberships.projectId))
    .where(and(eq(projects.orgId, orgId), member)).orderBy(asc(projects.name));
  return rows.map((row) => row.project);
}

export async function createProject(db: Db, actor: AuditActor, orgId: string, input: ProjectInput, now: Date): Promise<Project> {
  return db.transaction(async (tx) => {
    const [project] = await tx.insert(projects).values({ orgId, ...input, createdAt: now, updatedAt: now }).returning();
    await recordAudit(tx, { orgId, projectId: project!.id, actor, action: 'project.create', targetType: 'project', targetId: project!.id, details: { name: input.name }, at: now });
    return project!;
  });
}

export async function updateProject(db: Db, actor: AuditActor, project: Project, changes: Partial<ProjectInput>, now: Date): Promise<Project> {
  return db.transaction(async (tx) => {
    const [updated] = await tx.update(projects).set({ ...changes, updatedAt: now })
      .where(and(eq(projects.id, project.id), eq(projects.orgId, project.orgId))).returning();
    await recordAudit(tx, { orgId: project.orgId, projectId: project.id, actor, action: 'project.update', targetType: 'project', targetId: project.id, details: { fields: Object.keys(changes) }, at: now });
    return updated!;
  });
}

export async function deleteProject(db: Db, actor: AuditActor, project: Project, now: Date): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.delete(projects).where(and(eq(projects.id, project.id), eq(projects.orgId, project.orgId)));
    await recordAudit(tx, { orgId: project.orgId, projectId: project.id, actor, action: 'project.delete', targetType: 'project', targetId: project.id, details: { name: project.name }, at: now });
  });
}

export interface ProjectMember {
  id: string;
  role: ProjectRole;
  createdAt: Date;
  member: { kind: 'user'; id: string; email: string; displayName: string | null } | { kind: 'machine'; id: string; name: string };
}

const memberColumns = {
  membership: projectMemberships,
  email: users.email, displayName: users.displayName, machineName: machineIdentities.name,
};

function toMember(row: { membership: ProjectMembership; email: string | null; displayName: string | null; machineName: string | null }): ProjectMember {
  const { membership } = row;
  const member: ProjectMember['member'] = membership.userId
    ? { kind: 'user', id: membership.userId, email: row.email ?? '', displayName: row.displayName }
    : { kind: 'machine', id: membership.machineIdentityId!, name: row.machineName ?? '' };
  return { id: membership.id, role: membership.role, createdAt: membership.createdAt, member };
}

export async function listProjectMembers(db: DbOrTx, projectId: string, membershipIds?: string[]): Promise<ProjectMember[]> {
  const rows = await db.select(memberColumns).from(projectMemberships)
    .leftJoin(users, eq(users.id, projectMemberships.userId))
    .leftJoin(machineIdentities, eq(machineIdentities.id, projectMemberships.machineIdentityId))
    .where(and(eq(projectMemberships.projectId, projectId), membershipIds ? inArray(projectMemberships.id, membershipIds) : undefined))
    .orderBy(asc(projectMemberships.createdAt), asc(projectMemberships.id));
  return rows.map(toMember);
}

async function findMember(db: DbOrTx, projectId: string, membershipId: string): Promise<ProjectMember> {
  const [member] = await listProjectMembers(db, projectId, [membershipId]);
  if (!member) throw new NotFoundError('project_member', membershipId);
  return member;
}

export type MemberRef = { userId: string } | { machineIdentityId: string };

/** The subject must belong to the project's org; anything else is "not found" (no cross-org probing). */
async function assertInOrg(tx: DbOrTx, orgId: string, ref: MemberRef): Promise<void> {
  if ('userId' in ref) {
    const [row] = await tx.select({ id: orgMemberships.id }).from(orgMemberships).where(and(eq(orgMemberships.orgId, orgId), eq(orgMemberships.userId, ref.userId)));
    if (!row) throw new NotFoundError('user', ref.userId);
  } else {
    const [row] = await tx.select({ id: machineIdentities.id }).from(machineIdentities).where(and(eq(machineIdentities.orgId, orgId), eq(machineIdentities.id, ref.machineIdentityId)));
    if (!row) throw new NotFoundError('machine_identity', ref.machineIdentityId);
  }
}

export async function addProjectMember(db: Db, actor: AuditActor, project: Project, ref: MemberRef, role: ProjectRole, now: Date): Promise<ProjectMember> {
  return db.transaction(async (tx) => {
    await assertInOrg(tx, project.orgId, ref);
    const [membership] = await tx.insert(projectMemberships).values({ orgId: project.orgId, projectId: project.id, ...ref, role, createdAt: now }).returning();
    await recordAudit(tx, { orgId: project.orgId, projectId: project.id, actor, action: 'project.member.add', targetType: 'project_member', targetId: membership!.id, details: { ...ref, role }, at: now });
    return findMember(tx, project.id, membership!.id);
  });
}

export async function changeProjectMemberRole(db: Db, actor: AuditActor, project: Project, membershipId: string, role: ProjectRole, now: Date): Promise<ProjectMember> {
  return db.transaction(async (tx) => {
    const before = await findMember(tx, project.id, membershipId);
    await tx.update(projectMemberships).set({ role }).where(and(eq(projectMemberships.id, membershipId), eq(projectMemberships.projectId, project.id)));
    await recordAudit(tx, { orgId: project.orgId, projectId: project.id, actor, action: 'project.member.role_change', targetType: 'project_member', targetId: membershipId, details: { from: before.role, to: role }, at: now });
    return { ...before, role };
  });
}

export async function removeProjectMember(db: Db, actor: AuditActor, project: Project, membershipId: string, now: Date): Promise<void> {
  await db.transaction(async (tx) => {
    const before = await findMember(tx, project.id, membershipId);
    await tx.delete(projectMemberships).where(and(eq(projectMemberships.id, membershipId), eq(projectMemberships.projectId, project.id)));
    await recordAudit(tx, { orgId: project.orgId, projectId: project.id, actor, action: 'project.member.remove', targetType: 'project_member', targetId: membershipId, details: { memberKind: before.member.kind, memberId: before.member.id, role: before.role }, at: now });
  });
}
