import { createRoute } from '@hono/zod-openapi';
import { zDescription, zName } from '@postern/shared/schemas/names';
import { requireAuth } from '../../http/auth.ts';
import { bearerAuth, errorResponses, jsonBody, jsonResponse, type App } from '../../http/openapi.ts';
import { OrgIdParams, Timestamp, iso, noContent, z } from '../../http/schemas.ts';
import { requireOrgRole } from '../../services/authorization.ts';
import { createGateway, deleteGateway, findGateway, listGateways, updateGateway } from '../../services/gateways.ts';
import type { GatewayRow } from '../../db/schema/index.ts';

export const GatewayResponse = z.object({
  id: z.uuid(),
  orgId: z.uuid(),
  name: z.string(),
  description: z.string(),
  machineIdentityId: z.uuid().nullable().openapi({ description: 'The machine identity the gateway enrolls with' }),
  createdAt: Timestamp,
  updatedAt: Timestamp,
}).openapi('Gateway');

const CreateGatewayRequest = z.object({
  name: zName,
  description: zDescription.optional(),
  machineIdentityId: z.uuid().nullable().optional(),
}).strict().openapi('CreateGatewayRequest');

const UpdateGatewayRequest = CreateGatewayRequest.partial().strict().openapi('UpdateGatewayRequest');

const GatewayParams = OrgIdParams.extend({ gatewayId: z.uuid().openapi({ param: { name: 'gatewayId', in: 'path' } }) });

const gatewayBody = (g: GatewayRow) => ({
  id: g.id, orgId: g.orgId, name: g.name, description: g.description, machineIdentityId: g.machineIdentityId,
  createdAt: iso(g.createdAt), updatedAt: iso(g.updatedAt),
});
const base = { tags: ['gateways'], middleware: [requireAuth], security: bearerAuth };
const path = '/api/v1/orgs/{orgId}/gateways';

const listRoute = createRoute({
  ...base, method: 'get', path, summary: "The org's gateways (any org member)",
  request: { params: OrgIdParams },
  responses: { 200: jsonResponse(z.object({ gateways: z.array(GatewayResponse) }), 'Gateways, by name'), ...errorResponses(400, 401, 403, 404) },
});
const createGatewayRoute = createRoute({
  ...base, method: 'post', path, summary: 'Register a gateway (org owner, admin)',
  request: { params: OrgIdParams, body: jsonBody(CreateGatewayRequest) },
  responses: { 201: jsonResponse(GatewayResponse, 'Created'), ...errorResponses(400, 401, 403, 404, 409, 413, 422) },
});
const getRoute = createRoute({
  ...base, method: 'get', path: `${path}/{gatewayId}`, summary: 'One gateway (any org member)',
  request: { params: GatewayParams },
  responses: { 200: jsonResponse(GatewayResponse, 'The gateway'), ...errorResponses(400, 401, 403, 404) },
});
const updateRoute = createRoute({
  ...base, method: 'patch', path: `${path}/{gatewayId}`, summary: 'Rename or re-bind a gateway (org owner, admin)',
  request: { params: GatewayParams, body: jsonBody(UpdateGatewayRequest) },
  responses: { 200: jsonResponse(GatewayResponse, 'Updated'), ...errorResponses(400, 401, 403, 404, 409, 413, 422) },
});
const deleteRoute = createRoute({
  ...base, method: 'delete', path: `${path}/{gatewayId}`, summary: 'Delete a gateway that serves no resource (org owner, admin)',
  request: { params: GatewayParams },
  responses: { 204: noContent, ...errorResponses(400, 401, 403, 404, 409) },
});

export function register(app: App): void {
  app.openapi(listRoute, async (c) => {
    const { orgId } = c.req.valid('param');
    await requireOrgRole(c, orgId, ['owner', 'admin', 'member']);
    return c.json({ gateways: (await listGateways(c.var.deps.db, orgId)).map(gatewayBody) }, 200);
  });
  app.openapi(createGatewayRoute, async (c) => {
    const { orgId } = c.req.valid('param');
    await requireOrgRole(c, orgId, ['owner', 'admin']);
    const gateway = await createGateway(c.var.deps.db, c.var.principal, orgId, c.req.valid('json'), c.var.deps.clock());
    return c.json(gatewayBody(gateway), 201);
  });
  app.openapi(getRoute, async (c) => {
    const { orgId, gatewayId } = c.req.valid('param');
    await requireOrgRole(c, orgId, ['owner', 'admin', 'member']);
    return c.json(gatewayBody(await findGateway(c.var.deps.db, orgId, gatewayId)), 200);
  });
  app.openapi(updateRoute, async (c) => {
    const { orgId, gatewayId } = c.req.valid('param');
    await requireOrgRole(c, orgId, ['owner', 'admin']);
    const gateway = await updateGateway(c.var.deps.db, c.var.principal, orgId, gatewayId, c.req.valid('json'), c.var.deps.clock());
    return c.json(gatewayBody(gateway), 200);
  });
  app.openapi(deleteRoute, async (c) => {
    const { orgId, gatewayId } = c.req.valid('param');
    await requireOrgRole(c, orgId, ['owner', 'admin']);
    await deleteGateway(c.var.deps.db, c.var.principal, orgId, gatewayId, c.var.deps.clock());
    return c.body(null, 204);
  });
}
