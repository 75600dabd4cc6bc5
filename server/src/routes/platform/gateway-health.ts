import { createRoute } from '@hono/zod-openapi';
import { requireAuth } from '../../http/auth.ts';
import { bearerAuth, errorResponses, jsonResponse, type App } from '../../http/openapi.ts';
import { OrgIdParams, z } from '../../http/schemas.ts';
import { requireOrgRole } from '../../services/authorization.ts';
import { findGateway } from '../../services/gateways.ts';
import { checkGatewayHealth } from '../../services/platform/gateway-health.ts';

/** GET …/gateways/{gatewayId}/health: the platform pings the gateway through its relay (postern-ping). */

const GatewayHealthResponse = z.object({
  gatewayId: z.uuid(),
  status: z.enum(['connected', 'unreachable', 'not_enrolled', 'revoked']).openapi({ description: 'connected: the ping went through the relay and back' }),
  relay: z.object({ id: z.uuid(), name: z.string(), clientTlsAddress: z.string() }).nullable().openapi({ description: 'The relay the gateway is connected to (its last report, else its enrollment)' }),
  latencyMs: z.number().nullable().openapi({ description: 'Round trip of a 16-byte echo, platform → relay → gateway → back, once connected' }),
  lastSeenAt: z.iso.datetime().nullable().openapi({ description: "The gateway's last presence report" }),
  reportedHealthy: z.boolean().openapi({ description: 'The last report said connected and is younger than the presence TTL (what session routing uses)' }),
  error: z.string().nullable(),
}).openapi('GatewayHealth');

const route = createRoute({
  method: 'get', path: '/api/v1/orgs/{orgId}/gateways/{gatewayId}/health', tags: ['gateways'], middleware: [requireAuth], security: bearerAuth,
  summary: 'Check that a gateway answers through its relay (org owner, admin, member)',
  request: { params: OrgIdParams.extend({ gatewayId: z.uuid().openapi({ param: { name: 'gatewayId', in: 'path' } }) }) },
  responses: { 200: jsonResponse(GatewayHealthResponse, 'The health of the gateway (also when unreachable)'), ...errorResponses(400, 401, 403, 404) },
});

export function register(app: App): void {
  app.openapi(route, async (c) => {
    const { orgId, gatewayId } = c.req.valid('param');
    await requireOrgRole(c, orgId, ['owner', 'admin', 'member']);
    const gateway = await findGateway(c.var.deps.db, orgId, gatewayId);
    return c.json(await checkGatewayHealth(c.var.deps, gateway), 200);
  });
}
