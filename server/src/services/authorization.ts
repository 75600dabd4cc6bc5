import type { Context } from 'hono';
import { and, eq } from 'drizzle-orm';
import { ForbiddenError, NotFoundError } from '@postern/shared/errors';
import type { DbOrTx } from '../db/client.ts';
import {
  orgMemberships, orgs, projectMemberships, projects,
  type Org, type OrgRole, type Project, type ProjectRole,
} from '../db/schema/index.ts';
import type { AppEnv } from '../deps.ts';
import { principalOf, type Principal } from '../http/auth.ts';

/**
 * Who may do what. Visibility first: an org or project the caller has no role in answers 404,
 * exactly as one that does not exist, so ids from other tenants reveal nothing. Only a caller who
 * can see the object and holds too weak a role gets 403.
 *
 * Org owners and admins act as admins of every project in their org and pass any project role check.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const ORG_WIDE_PROJECT_ADMIN_ROLES: readonly OrgRole[] = ['owner', 'admin'];

export async function orgRoleOf(db: DbOrTx, principal: Principal, orgId: string): Promise<OrgRole | undefined> {
  if (principal.kind !== 'user') return undefined;
  const [row] = await db.select({ role: orgMemberships.role }).from(orgMemberships)
    .where(and(eq(orgMemberships.orgId, orgId), eq(orgMemberships.userId, principal.userId))).limit(1);
  return row?.role;
}

export async function projectRoleOf(db: DbOrTx, principal: Principal, projectId: string): Promise<ProjectRole | undefined> {
  const member = principal.kind === 'user'
    ? eq(projectMemberships.userId, principal.userId)
    : eq(projectMemberships.machineIdentityId, principal.identityId);
  const [row] = await db.select({ role: projectMemberships.role }).from(projectMemberships)
    .where(and(eq(projectMemberships.projectId, projectId), member)).limit(1);
  return row?.role;
}

/** The caller's effective roles in a project: what it was granted, or 'org-admin' through its org role. */
export interface ProjectAccess {
  project: Project;
  projectRole: ProjectRole | undefined;
  orgRole: OrgRole | undefined;
}

/** Finds the project and the caller's roles in it; undefined when the caller may not see it. */
export async function projectAccessOf(db: DbOrTx, principal: Principal, projectId: string): Promise<ProjectAccess | undefined> {
  if (!UUID.test(projectId)) return undefined;
  const [project] = await db.select().from(projects).where(eq(projects.id, projectId)).limit(1);
  if (!project) return undefined;
  if (principal.kind === 'machine' && principal.orgId !== project.orgId) return undefined;
  const [orgRole, projectRole] = await Promise.all([orgRoleOf(db, principal, project.orgId), projectRoleOf(db, principal, projectId)]);
  if (principal.kind === 'user' && !orgRole) return undefined;
  if (!projectRole && !(orgRole && ORG_WIDE_PROJECT_ADMIN_ROLES.includes(orgRole))) return undefined;
  return { project, projectRole, orgRole };
}

/**
 * The project, if the caller holds one of `roles` in it (org owners/admins always do).
 * 404 when the caller cannot see the project; 403 when it can but the role is too weak.
 */
export async function requireProjectRole(c: Context<AppEnv>, projectId: string, roles: readonly ProjectRole[]): Promise<Project> {
  const principal = principalOf(c);
  const access = await projectAccessOf(c.var.deps.db, principal, projectId);
  if (!access) throw new NotFoundError('project', projectId);
  if (access.orgRole && ORG_WIDE_PROJECT_ADMIN_ROLES.includes(access.orgRole)) return access.project;
  if (access.projectRole && roles.includes(access.projectRole)) return access.project;
  throw new ForbiddenError(`This needs the project role ${roles.join(' or ')}; you are ${access.projectRole ?? 'not a member'} in project "${access.project.name}". Ask a project admin.`, {
    projectId, required: [...roles], actual: access.projectRole ?? null,
  });
}

/**
 * The org, if the caller holds one of `roles` in it. 404 when the caller is not in the org at all;
 * 403 when it is (a member, or one of the org's machine identities) but the role is too weak.
 */
export async function requireOrgRole(c: Context<AppEnv>, orgId: string, roles: readonly OrgRole[]): Promise<Org> {
  const principal = principalOf(c);
  const db = c.var.deps.db;
  if (!UUID.test(orgId)) throw new NotFoundError('org', orgId);
  const [org] = await db.select().from(orgs).where(eq(orgs.id, orgId)).limit(1);
  if (!org) throw new NotFoundError('org', orgId);
  const role = await orgRoleOf(db, principal, orgId);
  const inOrg = principal.kind === 'machine' ? principal.orgId === orgId : role !== undefined;
  if (!inOrg) throw new NotFoundError('org', orgId);
  if (role && roles.includes(role)) return org;
  throw new ForbiddenError(`This needs the org role ${roles.join(' or ')}; you are ${role ?? 'a machine identity'} in org "${org.name}". Ask an org owner.`, {
    orgId, required: [...roles], actual: role ?? null,
  });
}
