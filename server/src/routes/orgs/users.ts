import { createRoute } from '@hono/zod-openapi';
import { requireAuth } from '../../http/auth.ts';
import { bearerAuth, errorResponses, jsonBody, jsonResponse, type App } from '../../http/openapi.ts';
import { EmailSchema, NameSchema, OrgRoleSchema, PasswordSchema, Timestamp, iso, noContent, z } from '../../http/schemas.ts';
import { orgRoleOf, requireOrgRole } from '../../services/authorization.ts';
import { assertMayManageRole, changeOrgRole, createOrgUser, listOrgMembers, removeOrgUser, type OrgMember } from '../../services/orgs.ts';

export const OrgUserResponse = z.object({
  id: z.uuid(),
  email: z.string(),
  displayName: z.string().nullable(),
  role: OrgRoleSchema,
  joinedAt: Timestamp,
}).openapi('OrgUser');

export const CreateOrgUserRequest = z.object({
  email: EmailSchema,
  password: PasswordSchema,
  displayName: NameSchema.optional(),
  role: OrgRoleSchema.default('member'),
}).openapi('CreateOrgUserRequest');

export const UpdateOrgUserRequest = z.object({ role: OrgRoleSchema }).openapi('UpdateOrgUserRequest');

const OrgUserParams = z.object({
  orgId: z.uuid().openapi({ param: { name: 'orgId', in: 'path' } }),
  userId: z.uuid().openapi({ param: { name: 'userId', in: 'path' } }),
});
const OrgParams = OrgUserParams.pick({ orgId: true });

const memberBody = (m: OrgMember) => ({ id: m.userId, email: m.email, displayName: m.displayName, role: m.role, joinedAt: iso(m.joinedAt) });
const base = { tags: ['org users'], middleware: [requireAuth], security: bearerAuth };

export const listOrgUsersRoute = createRoute({
  ...base, method: 'get', path: '/api/v1/orgs/{orgId}/users', summary: 'Users of the org (any member)',
  request: { params: OrgParams },
  responses: { 200: jsonResponse(z.object({ users: z.array(OrgUserResponse) }), 'Users, by email'), ...errorResponses(400, 401, 403, 404) },
});

export const createOrgUserRoute = createRoute({
  ...base, method: 'post', path: '/api/v1/orgs/{orgId}/users', summary: 'Create a user with a password in the org (owner, admin; only owners create owners)',
  request: { params: OrgParams, body: jsonBody(CreateOrgUserRequest) },
  responses: { 201: jsonResponse(OrgUserResponse, 'Created; the password is never returned'), ...errorResponses(400, 401, 403, 404, 409, 413) },
});

export const updateOrgUserRoute = createRoute({
  ...base, method: 'patch', path: '/api/v1/orgs/{orgId}/users/{userId}', summary: 'Change a user\'s org role (owner, admin)',
  request: { params: OrgUserParams, body: jsonBody(UpdateOrgUserRequest) },
  responses: { 200: jsonResponse(OrgUserResponse, 'Updated'), ...errorResponses(400, 401, 403, 404, 413, 422) },
});

export const removeOrgUserRoute = createRoute({
  ...base, method: 'delete', path: '/api/v1/orgs/{orgId}/users/{userId}', summary: 'Remove a user from the org and its projects (owner, admin)',
  request: { params: OrgUserParams },
  responses: { 204: noContent, ...errorResponses(400, 401, 403, 404, 422) },
});

export function register(app: App): void {
  app.openapi(listOrgUsersRoute, async (c) => {
    const { orgId } = c.req.valid('param');
    await requireOrgRole(c, orgId, ['owner', 'admin', 'member']);
    return c.json({ users: (await listOrgMembers(c.var.deps.db, orgId)).map(memberBody) }, 200);
  });

  app.openapi(createOrgUserRoute, async (c) => {
    const { orgId } = c.req.valid('param');
    await requireOrgRole(c, orgId, ['owner', 'admin']);
    const input = c.req.valid('json');
    assertMayManageRole((await orgRoleOf(c.var.deps.db, c.var.principal, orgId))!, input.role);
    const member = await createOrgUser(c.var.deps.db, c.var.principal, orgId, input, c.var.deps.clock());
    return c.json(memberBody(member), 201);
  });

  app.openapi(updateOrgUserRoute, async (c) => {
    const { orgId, userId } = c.req.valid('param');
    await requireOrgRole(c, orgId, ['owner', 'admin']);
    const actorRole = (await orgRoleOf(c.var.deps.db, c.var.principal, orgId))!;
    const member = await changeOrgRole(c.var.deps.db, c.var.principal, actorRole, orgId, userId, c.req.valid('json').role, c.var.deps.clock());
    return c.json(memberBody(member), 200);
  });

  app.openapi(removeOrgUserRoute, async (c) => {
    const { orgId, userId } = c.req.valid('param');
    await requireOrgRole(c, orgId, ['owner', 'admin']);
    const actorRole = (await orgRoleOf(c.var.deps.db, c.var.principal, orgId))!;
    await removeOrgUser(c.var.deps.db, c.var.principal, actorRole, orgId, userId, c.var.deps.clock());
    return c.body(null, 204);
  });
}
