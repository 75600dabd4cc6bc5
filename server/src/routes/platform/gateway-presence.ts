import { createRoute } from '@hono/zod-openapi';
import { requireAuth } from '../../http/auth.ts';
import { bearerAuth, errorResponses, jsonBody, jsonResponse, type App } from '../../http/openapi.ts';
import { z } from '../../http/schemas.ts';
import { reportPresence } from '../../services/platform/presence.ts';

/** POST /api/v1/gateways/presence: a gateway (its machine identity) says which relay its tunnel is on, and whether it is up. */

const PresenceRequest = z.object({
  relayId: z.uuid(),
  connected: z.boolean(),
  gatewayId: z.uuid().optional().openapi({ description: 'Only when the machine identity is bound to several gateways' }),
}).strict().openapi('GatewayPresenceRequest');

const PresenceResponse = z.object({ gatewayId: z.uuid(), relayId: z.uuid().nullable(), connected: z.boolean(), lastSeenAt: z.iso.datetime() }).openapi('GatewayPresence');

const route = createRoute({
  method: 'post', path: '/api/v1/gateways/presence', tags: ['enrollment'], middleware: [requireAuth], security: bearerAuth,
  summary: "Report the gateway's tunnel (the gateway's machine identity; on connect, disconnect and every 10 s)",
  request: { body: jsonBody(PresenceRequest) },
  responses: { 200: jsonResponse(PresenceResponse, 'Recorded'), ...errorResponses(400, 401, 403, 404, 413, 422) },
});

export function register(app: App): void {
  app.openapi(route, async (c) => {
    const row = await reportPresence(c.var.deps.db, c.var.principal, c.req.valid('json'), c.var.deps.clock());
    return c.json({ gatewayId: row.gatewayId, relayId: row.relayId, connected: row.connected, lastSeenAt: row.lastSeenAt.toISOString() }, 200);
  });
}
