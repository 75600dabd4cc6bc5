import { createRoute } from '@hono/zod-openapi';
import { requireAuth } from '../../http/auth.ts';
import { bearerAuth, errorResponses, jsonBody, jsonResponse, type App } from '../../http/openapi.ts';
import { NameSchema, OrgIdParams, Timestamp, iso, noContent, z } from '../../http/schemas.ts';
import type { MachineIdentity } from '../../db/schema/index.ts';
import { requireOrgRole } from '../../services/authorization.ts';
import {
  createMachineIdentity, deleteMachineIdentity, findMachineIdentity, listMachineIdentities,
  renameMachineIdentity, rotateMachineIdentitySecret, type MachineCredentials,
} from '../../services/machine-identities.ts';

export const MachineIdentityResponse = z.object({
  id: z.uuid(),
  orgId: z.uuid(),
  name: z.string(),
  clientId: z.string(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
}).openapi('MachineIdentity');

export const MachineCredentialsResponse = MachineIdentityResponse.extend({
  clientSecret: z.string().openapi({ description: 'Shown only in this response; store it now. Rotate it if lost.' }),
}).openapi('MachineIdentityCredentials');

export const MachineIdentityRequest = z.object({ name: NameSchema }).openapi('MachineIdentityRequest');

const IdentityParams = OrgIdParams.extend({ identityId: z.uuid().openapi({ param: { name: 'identityId', in: 'path' } }) });

const identityBody = (i: MachineIdentity) => ({ id: i.id, orgId: i.orgId, name: i.name, clientId: i.clientId, createdAt: iso(i.createdAt), updatedAt: iso(i.updatedAt) });
const credentialsBody = (created: MachineCredentials) => ({ ...identityBody(created.identity), clientSecret: created.clientSecret });

const base = { tags: ['machine identities'], middleware: [requireAuth], security: bearerAuth };
const collection = '/api/v1/orgs/{orgId}/machine-identities';
const item = `${collection}/{identityId}`;

export const listMachineIdentitiesRoute = createRoute({
  ...base, method: 'get', path: collection, summary: 'Machine identities of the org (owner, admin)',
  request: { params: OrgIdParams },
  responses: { 200: jsonResponse(z.object({ machineIdentities: z.array(MachineIdentityResponse) }), 'By name; never the secrets'), ...errorResponses(400, 401, 403, 404) },
});
export const createMachineIdentityRoute = createRoute({
  ...base, method: 'post', path: collection, summary: 'Create a machine identity (owner, admin); the secret is shown once',
  request: { params: OrgIdParams, body: jsonBody(MachineIdentityRequest) },
  responses: { 201: jsonResponse(MachineCredentialsResponse, 'Created'), ...errorResponses(400, 401, 403, 404, 409, 413) },
});
export const getMachineIdentityRoute = createRoute({
  ...base, method: 'get', path: item, summary: 'One machine identity (owner, admin)',
  request: { params: IdentityParams },
  responses: { 200: jsonResponse(MachineIdentityResponse, 'The identity'), ...errorResponses(400, 401, 403, 404) },
});
export const updateMachineIdentityRoute = createRoute({
  ...base, method: 'patch', path: item, summary: 'Rename a machine identity (owner, admin)',
  request: { params: IdentityParams, body: jsonBody(MachineIdentityRequest) },
  responses: { 200: jsonResponse(MachineIdentityResponse, 'Updated'), ...errorResponses(400, 401, 403, 404, 409, 413) },
});
export const rotateMachineIdentitySecretRoute = createRoute({
  ...base, method: 'post', path: `${item}/rotate-secret`, summary: 'Replace the secret and revoke every token issued with the old one (owner, admin)',
  request: { params: IdentityParams },
  responses: { 200: jsonResponse(MachineCredentialsResponse, 'The new secret, shown once'), ...errorResponses(400, 401, 403, 404) },
});
export const deleteMachineIdentityRoute = createRoute({
  ...base, method: 'delete', path: item, summary: 'Delete a machine identity and revoke its tokens (owner, admin)',
  request: { params: IdentityParams },
  responses: { 204: noContent, ...errorResponses(400, 401, 403, 404) },
});

export function register(app: App): void {
  app.openapi(listMachineIdentitiesRoute, async (c) => {
    const { orgId } = c.req.valid('param');
    await requireOrgRole(c, orgId, ['owner', 'admin']);
    return c.json({ machineIdentities: (await listMachineIdentities(c.var.deps.db, orgId)).map(identityBody) }, 200);
  });

  app.openapi(createMachineIdentityRoute, async (c) => {
    const { orgId } = c.req.valid('param');
    await requireOrgRole(c, orgId, ['owner', 'admin']);
    const created = await createMachineIdentity(c.var.deps.db, c.var.principal, orgId, c.req.valid('json').name, c.var.deps.clock());
    return c.json(credentialsBody(created), 201);
  });

  app.openapi(getMachineIdentityRoute, async (c) => {
    const { orgId, identityId } = c.req.valid('param');
    await requireOrgRole(c, orgId, ['owner', 'admin']);
    return c.json(identityBody(await findMachineIdentity(c.var.deps.db, orgId, identityId)), 200);
  });

  app.openapi(updateMachineIdentityRoute, async (c) => {
    const { orgId, identityId } = c.req.valid('param');
    await requireOrgRole(c, orgId, ['owner', 'admin']);
    const identity = await renameMachineIdentity(c.var.deps.db, c.var.principal, orgId, identityId, c.req.valid('json').name, c.var.deps.clock());
    return c.json(identityBody(identity), 200);
  });

  app.openapi(rotateMachineIdentitySecretRoute, async (c) => {
    const { orgId, identityId } = c.req.valid('param');
    await requireOrgRole(c, orgId, ['owner', 'admin']);
    return c.json(credentialsBody(await rotateMachineIdentitySecret(c.var.deps.db, c.var.principal, orgId, identityId, c.var.deps.clock())), 200);
  });

  app.openapi(deleteMachineIdentityRoute, async (c) => {
    const { orgId, identityId } = c.req.valid('param');
    await requireOrgRole(c, orgId, ['owner', 'admin']);
    await deleteMachineIdentity(c.var.deps.db, c.var.principal, orgId, identityId, c.var.deps.clock());
    return c.body(null, 204);
  });
}
