import { createRoute } from '@hono/zod-openapi';
import { zName } from '@postern/shared/schemas/names';
import { requireAuth } from '../../http/auth.ts';
import { bearerAuth, errorResponses, jsonBody, jsonResponse, type App } from '../../http/openapi.ts';
import { OrgIdParams, z } from '../../http/schemas.ts';
import { requireOrgRole } from '../../services/authorization.ts';
import { findGateway } from '../../services/gateways.ts';
import { setGatewayPool } from '../../services/platform/pools.ts';

/** PUT …/gateways/{gatewayId}/pool: gateways with the same pool name serve each other's resources (org owner, admin). */

const PoolRequest = z.object({
  poolName: zName.nullable().openapi({ description: 'The pool to join; null leaves any pool' }),
}).strict().openapi('GatewayPoolRequest');

const route = createRoute({
  method: 'put', path: '/api/v1/orgs/{orgId}/gateways/{gatewayId}/pool', tags: ['gateways'], middleware: [requireAuth], security: bearerAuth,
  summary: "Set a gateway's pool: a session on a resource of any member goes to a healthy member (org owner, admin)",
  request: { params: OrgIdParams.extend({ gatewayId: z.uuid().openapi({ param: { name: 'gatewayId', in: 'path' } }) }), body: jsonBody(PoolRequest) },
  responses: { 200: jsonResponse(z.object({ gatewayId: z.uuid(), poolName: z.string().nullable() }).openapi('GatewayPool'), 'Set'), ...errorResponses(400, 401, 403, 404, 413) },
});

export function register(app: App): void {
  app.openapi(route, async (c) => {
    const { orgId, gatewayId } = c.req.valid('param');
    await requireOrgRole(c, orgId, ['owner', 'admin']);
    const gateway = await findGateway(c.var.deps.db, orgId, gatewayId);
    const poolName = await setGatewayPool(c.var.deps.db, c.var.principal, gateway, c.req.valid('json').poolName, c.var.deps.clock());
    return c.json({ gatewayId, poolName }, 200);
  });
}
