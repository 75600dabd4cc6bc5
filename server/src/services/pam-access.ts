import type { Context } from 'hono';
import { eq } from 'drizzle-orm';
import { NotFoundError, PosternError } from '@postern/shared/errors';
import { accounts, resources, type AccountRow, type ProjectRole, type ResourceRow } from '../db/schema/index.ts';
import type { AppEnv } from '../deps.ts';
import { requireProjectRole } from './authorization.ts';

/**
 * Role checks for objects that live inside a project. A resource or account in a project the
 * caller cannot see answers 404 for that object, never "project not found", so an id from another
 * tenant tells nothing about which project it is in.
 */
async function requireRoleInProjectOf(c: Context<AppEnv>, projectId: string, roles: readonly ProjectRole[], kind: string, id: string): Promise<void> {
  try {
    await requireProjectRole(c, projectId, roles);
  } catch (err) {
    if (err instanceof PosternError && err.code === 'project_not_found') throw new NotFoundError(kind, id);
    throw err;
  }
}

export async function requireResourceRole(c: Context<AppEnv>, resourceId: string, roles: readonly ProjectRole[], type?: ResourceRow['type']): Promise<ResourceRow> {
  const [row] = await c.var.deps.db.select().from(resources).where(eq(resources.id, resourceId)).limit(1);
  if (!row || (type && row.type !== type)) throw new NotFoundError('resource', resourceId);
  await requireRoleInProjectOf(c, row.projectId, roles, 'resource', resourceId);
  return row;
}

export async function requireAccountRole(c: Context<AppEnv>, accountId: string, roles: readonly ProjectRole[]): Promise<AccountRow> {
  const [row] = await c.var.deps.db.select().from(accounts).where(eq(accounts.id, accountId)).limit(1);
  if (!row) throw new NotFoundError('account', accountId);
  await requireRoleInProjectOf(c, row.projectId, roles, 'account', accountId);
  return row;
}

export const READ_ROLES: readonly ProjectRole[] = ['admin', 'member', 'auditor'];
export const EDIT_ROLES: readonly ProjectRole[] = ['admin'];
