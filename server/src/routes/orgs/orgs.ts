import { createRoute } from '@hono/zod-openapi';
import { ForbiddenError } from '@postern/shared/errors';
import { requireAuth } from '../../http/auth.ts';
import { bearerAuth, errorResponses, jsonBody, jsonResponse, type App } from '../../http/openapi.ts';
import { NameSchema, OrgIdParams, OrgRoleSchema, Timestamp, iso, z } from '../../http/schemas.ts';
import { orgRoleOf, requireOrgRole } from '../../services/authorization.ts';
import { createOrg, listOrgsOf, renameOrg } from '../../services/orgs.ts';
import type { Org, OrgRole } from '../../db/schema/index.ts';

export const OrgResponse = z.object({
  id: z.uuid(),
  name: z.string(),
  /** The caller's role; null for a machine identity. */
  role: OrgRoleSchema.nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
}).openapi('Org');

export const OrgRequest = z.object({ name: NameSchema }).openapi('OrgRequest');

const orgBody = (org: Org, role: OrgRole | null | undefined) => ({ id: org.id, name: org.name, role: role ?? null, createdAt: iso(org.createdAt), updatedAt: iso(org.updatedAt) });

const base = { tags: ['orgs'], middleware: [requireAuth], security: bearerAuth };

export const listOrgsRoute = createRoute({
  ...base, method: 'get', path: '/api/v1/orgs', summary: 'The orgs the caller belongs to',
  responses: { 200: jsonResponse(z.object({ orgs: z.array(OrgResponse) }), 'Orgs, by name'), ...errorResponses(401) },
});

export const createOrgRoute = createRoute({
  ...base, method: 'post', path: '/api/v1/orgs', summary: 'Create an org; the caller becomes its owner',
  request: { body: jsonBody(OrgRequest) },
  responses: { 201: jsonResponse(OrgResponse, 'Created'), ...errorResponses(400, 401, 403, 409, 413) },
});

export const getOrgRoute = createRoute({
  ...base, method: 'get', path: '/api/v1/orgs/{orgId}', summary: 'One org (any member)',
  request: { params: OrgIdParams },
  responses: { 200: jsonResponse(OrgResponse, 'The org'), ...errorResponses(400, 401, 403, 404) },
});

export const updateOrgRoute = createRoute({
  ...base, method: 'patch', path: '/api/v1/orgs/{orgId}', summary: 'Rename an org (owner, admin)',
  request: { params: OrgIdParams, body: jsonBody(OrgRequest) },
  responses: { 200: jsonResponse(OrgResponse, 'Updated'), ...errorResponses(400, 401, 403, 404, 409, 413) },
});

export function register(app: App): void {
  app.openapi(listOrgsRoute, async (c) => {
    const rows = await listOrgsOf(c.var.deps.db, c.var.principal);
    return c.json({ orgs: rows.map((row) => orgBody(row, row.role)) }, 200);
  });

  app.openapi(createOrgRoute, async (c) => {
    const principal = c.var.principal;
    if (principal.kind !== 'user') throw new ForbiddenError('Machine identities cannot create orgs; sign in as a user.');
    const org = await createOrg(c.var.deps.db, principal, c.req.valid('json').name, c.var.deps.clock());
    return c.json(orgBody(org, 'owner'), 201);
  });

  app.openapi(getOrgRoute, async (c) => {
    const org = await requireOrgRole(c, c.req.valid('param').orgId, ['owner', 'admin', 'member']);
    return c.json(orgBody(org, await orgRoleOf(c.var.deps.db, c.var.principal, org.id)), 200);
  });

  app.openapi(updateOrgRoute, async (c) => {
    const { orgId } = c.req.valid('param');
    await requireOrgRole(c, orgId, ['owner', 'admin']);
    const org = await renameOrg(c.var.deps.db, c.var.principal, orgId, c.req.valid('json').name, c.var.deps.clock());
    return c.json(orgBody(org, await orgRoleOf(c.var.deps.db, c.var.principal, orgId)), 200);
  });
}
