/**
 * Who may see which session. Reviewers (project admin or auditor; org owner or admin) see every
 * session of their projects and may play recordings back; anyone else sees the metadata of their
 * own sessions only and never the content. A session the caller may not see is "no such session".
 */
import { and, eq, inArray } from 'drizzle-orm';
import { NotFoundError } from '@postern/shared/errors';
import type { DbOrTx } from '../db/client.ts';
import { pamSessions, projectMemberships, type PamSessionRow, type ProjectRole } from '../db/schema/index.ts';
import type { Principal } from '../http/principal.ts';
import { ORG_WIDE_PROJECT_ADMIN_ROLES, orgRoleOf, projectRoleOf } from './authorization.ts';

export const REVIEW_ROLES: readonly ProjectRole[] = ['admin', 'auditor'];

export type SessionAccess = 'review' | 'own';

/** What the caller may do with this session, or undefined when it may not see it at all. */
export async function sessionAccessOf(db: DbOrTx, principal: Principal, session: PamSessionRow): Promise<SessionAccess | undefined> {
  if (principal.kind === 'machine' && principal.orgId !== session.orgId) return undefined;
  const orgRole = await orgRoleOf(db, principal, session.orgId);
  if (principal.kind === 'user' && !orgRole) return undefined;
  if (orgRole && ORG_WIDE_PROJECT_ADMIN_ROLES.includes(orgRole)) return 'review';
  const projectRole = await projectRoleOf(db, principal, session.projectId);
  if (projectRole && REVIEW_ROLES.includes(projectRole)) return 'review';
  if (principal.kind === 'user' && session.userId === principal.userId) return 'own';
  return undefined;
}

/** The session and the caller's access to it; 404 when it may not see it. */
export async function visibleSession(db: DbOrTx, principal: Principal, sessionId: string): Promise<{ session: PamSessionRow; access: SessionAccess }> {
  const [session] = await db.select().from(pamSessions).where(eq(pamSessions.id, sessionId)).limit(1);
  const access = session ? await sessionAccessOf(db, principal, session) : undefined;
  if (!session || !access) throw new NotFoundError('session', sessionId);
  return { session, access };
}

/** The org's sessions the caller may list: all of them, those of some projects, and/or its own. */
export interface ListScope {
  allOfOrg: boolean;
  reviewProjectIds: string[];
  ownUserId: string | undefined;
}

/** undefined when the caller is not in the org (404, as for any org it cannot see). */
export async function listScopeOf(db: DbOrTx, principal: Principal, orgId: string): Promise<ListScope | undefined> {
  if (principal.kind === 'machine' && principal.orgId !== orgId) return undefined;
  const orgRole = await orgRoleOf(db, principal, orgId);
  if (principal.kind === 'user' && !orgRole) return undefined;
  if (orgRole && ORG_WIDE_PROJECT_ADMIN_ROLES.includes(orgRole)) return { allOfOrg: true, reviewProjectIds: [], ownUserId: undefined };
  const member = principal.kind === 'user' ? eq(projectMemberships.userId, principal.userId) : eq(projectMemberships.machineIdentityId, principal.identityId);
  const rows = await db.select({ projectId: projectMemberships.projectId }).from(projectMemberships)
    .where(and(eq(projectMemberships.orgId, orgId), member, inArray(projectMemberships.role, [...REVIEW_ROLES])));
  return { allOfOrg: false, reviewProjectIds: rows.map((row) => row.projectId), ownUserId: principal.kind === 'user' ? principal.userId : undefined };
}
