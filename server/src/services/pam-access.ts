import type { Context } from 'hono';
import { and, eq } from 'drizzle-orm';
import { NotFoundError, PosternError, WrongResourceTypeError } from '@postern/shared/errors';
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

const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A resource or account by its name, or by its id when no name matches (what `postern` users type); scoped by the caller's filter. */
async function findByNameOrId<T>(lookup: (match: 'name' | 'id') => Promise<T | undefined>, value: string): Promise<T | undefined> {
  return (await lookup('name')) ?? (UUID_SHAPE.test(value) ? lookup('id') : undefined);
}

export interface AccountByName {
  projectId: string;
  resourceName: string;
  accountName: string;
  /** The resource type the caller expects; another type refuses with the command to use instead. */
  resourceType?: ResourceRow['type'] | undefined;
}

/**
 * The account named within a project, for a caller holding one of `roles` there. The project is
 * checked first, so a caller outside it learns nothing about its resources (404 project); then
 * 404 names the resource or the account that is missing.
 */
export async function requireAccountByName(c: Context<AppEnv>, ref: AccountByName, roles: readonly ProjectRole[]): Promise<{ account: AccountRow; resource: ResourceRow }> {
  const project = await requireProjectRole(c, ref.projectId, roles);
  const db = c.var.deps.db;
  const resource = await findByNameOrId(async (match) => (await db.select().from(resources).where(and(
    eq(resources.orgId, project.orgId), eq(resources.projectId, project.id), match === 'name' ? eq(resources.name, ref.resourceName) : eq(resources.id, ref.resourceName),
  )).limit(1))[0], ref.resourceName);
  if (!resource) throw new NotFoundError('resource', ref.resourceName);
  if (ref.resourceType && resource.type !== ref.resourceType) throw new WrongResourceTypeError(resource.name, resource.type, ref.resourceType);
  const account = await findByNameOrId(async (match) => (await db.select().from(accounts).where(and(
    eq(accounts.orgId, project.orgId), eq(accounts.resourceId, resource.id), match === 'name' ? eq(accounts.name, ref.accountName) : eq(accounts.id, ref.accountName),
  )).limit(1))[0], ref.accountName);
  if (!account) throw new NotFoundError('account', ref.accountName);
  return { account, resource };
}
