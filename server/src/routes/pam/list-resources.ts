import { createRoute } from '@hono/zod-openapi';
import { zId } from '@postern/shared/schemas/names';
import { zResource, zResourceType } from '@postern/shared/schemas/resources';
import { requireAuth } from '../../http/auth.ts';
import { bearerAuth, errorResponses, jsonResponse, type App } from '../../http/openapi.ts';
import { z } from '../../http/schemas.ts';
import { requireProjectRole } from '../../services/authorization.ts';
import { READ_ROLES } from '../../services/pam-access.ts';
import { listResources, resourceBody } from '../../services/resources.ts';

const listRoute = createRoute({
  method: 'get', path: '/api/v1/pam/resources', tags: ['resources'], middleware: [requireAuth], security: bearerAuth,
  summary: "A project's resources of every type (any project role)",
  request: {
    query: z.object({
      projectId: zId,
      type: zResourceType.optional(),
      search: z.string().max(64).optional().openapi({ description: 'Case-insensitive substring of the name' }),
    }),
  },
  responses: { 200: jsonResponse(z.object({ resources: z.array(zResource) }), 'Resources, by name'), ...errorResponses(400, 401, 403, 404) },
});

export function register(app: App): void {
  app.openapi(listRoute, async (c) => {
    const { projectId, type, search } = c.req.valid('query');
    await requireProjectRole(c, projectId, READ_ROLES);
    const rows = await listResources(c.var.deps.db, projectId, { type, search });
    return c.json({ resources: rows.map(resourceBody) }, 200);
  });
}
