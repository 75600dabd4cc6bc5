import { createRoute } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import { NotFoundError } from '@postern/shared/errors';
import { resources } from '../../db/schema/index.ts';
import { requireAuth } from '../../http/auth.ts';
import { bearerAuth, errorResponses, jsonResponse, type App } from '../../http/openapi.ts';
import { z } from '../../http/schemas.ts';
import { requireProjectRole } from '../../services/authorization.ts';
import { checkResourceReachability } from '../../services/platform/reachability.ts';

/** POST /api/v1/pam/resources/{resourceId}/check-reachability: the resource's gateway tries host:port (project admin). */

const ReachabilityResponse = z.object({
  ok: z.boolean(),
  gatewayId: z.uuid(),
  target: z.object({ host: z.string(), port: z.number().int() }),
  latencyMs: z.number().nullable().openapi({ description: "The gateway's TCP connect time to the target" }),
  error: z.string().nullable(),
  sshHostKeys: z.array(z.string()).nullable().openapi({ description: 'SSH resources: the host key the target presented, now pinned for its sessions' }),
  hostKeyChanged: z.boolean().openapi({ description: 'The pinned host key differs from the one pinned before (the audit log keeps both)' }),
}).openapi('ReachabilityCheck');

const route = createRoute({
  method: 'post', path: '/api/v1/pam/resources/{resourceId}/check-reachability', tags: ['resources'], middleware: [requireAuth], security: bearerAuth,
  summary: "Check that the resource's gateway can reach it; for SSH, pin the host key it presents (project admin)",
  request: { params: z.object({ resourceId: z.uuid().openapi({ param: { name: 'resourceId', in: 'path' } }) }) },
  responses: { 200: jsonResponse(ReachabilityResponse, 'The outcome (ok: false with the error when unreachable)'), ...errorResponses(400, 401, 403, 404) },
});

export function register(app: App): void {
  app.openapi(route, async (c) => {
    const { resourceId } = c.req.valid('param');
    const [resource] = await c.var.deps.db.select().from(resources).where(eq(resources.id, resourceId)).limit(1);
    if (!resource) throw new NotFoundError('resource', resourceId);
    await requireProjectRole(c, resource.projectId, ['admin']).catch((error: unknown) => {
      throw error instanceof NotFoundError ? new NotFoundError('resource', resourceId) : error;
    });
    return c.json(await checkResourceReachability(c.var.deps, c.var.principal, resource), 200);
  });
}
