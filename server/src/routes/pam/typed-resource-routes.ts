import { createRoute } from '@hono/zod-openapi';
import type { z } from 'zod';
import { requireAuth } from '../../http/auth.ts';
import { bearerAuth, errorResponses, jsonBody, jsonResponse, type App } from '../../http/openapi.ts';
import { noContent, z as zo } from '../../http/schemas.ts';
import { requireProjectRole } from '../../services/authorization.ts';
import { EDIT_ROLES, READ_ROLES, requireResourceRole } from '../../services/pam-access.ts';
import { createResource, deleteResource, resourceBody, updateResource, type ResourceFields, type ResourceInput } from '../../services/resources.ts';

/**
 * SSH and Kubernetes resources have the same five routes, differing only in their type-specific
 * fields; one definition serves both so the two can never drift apart in checks or audit.
 */
export interface TypedResourceRoutes {
  type: 'ssh' | 'kubernetes';
  label: string;
  createSchema: z.ZodType;
  updateSchema: z.ZodType;
  responseSchema: z.ZodType;
  /** Splits a validated body into the common fields and the type-specific ones. */
  split(body: never): { common: ResourceInput; fields: ResourceFields };
}

export function registerTypedResourceRoutes(app: App, spec: TypedResourceRoutes): void {
  const path = `/api/v1/pam/resources/${spec.type}`;
  const base = { tags: ['resources'], middleware: [requireAuth], security: bearerAuth };
  const params = zo.object({ resourceId: zo.uuid().openapi({ param: { name: 'resourceId', in: 'path' } }) });
  const created = createRoute({
    ...base, method: 'post', path, summary: `Create ${spec.label} (project admin)`,
    request: { body: jsonBody(spec.createSchema) },
    responses: { 201: jsonResponse(spec.responseSchema, 'Created'), ...errorResponses(400, 401, 403, 404, 409, 413, 422) },
  });
  const read = createRoute({
    ...base, method: 'get', path: `${path}/{resourceId}`, summary: `One ${spec.label} (any project role)`,
    request: { params },
    responses: { 200: jsonResponse(spec.responseSchema, 'The resource'), ...errorResponses(400, 401, 403, 404) },
  });
  const updated = createRoute({
    ...base, method: 'patch', path: `${path}/{resourceId}`, summary: `Change ${spec.label} (project admin)`,
    request: { params, body: jsonBody(spec.updateSchema) },
    responses: { 200: jsonResponse(spec.responseSchema, 'Updated'), ...errorResponses(400, 401, 403, 404, 409, 413, 422) },
  });
  const deleted = createRoute({
    ...base, method: 'delete', path: `${path}/{resourceId}`, summary: `Delete ${spec.label} and its accounts (project admin)`,
    request: { params },
    responses: { 204: noContent, ...errorResponses(400, 401, 403, 404) },
  });

  app.openapi(created, async (c) => {
    const body = c.req.valid('json') as { projectId: string };
    const project = await requireProjectRole(c, body.projectId, EDIT_ROLES);
    const { common, fields } = spec.split(body as never);
    const row = await createResource(c.var.deps.db, c.var.principal, project, common as ResourceInput & { name: string; gatewayId: string }, fields, c.var.deps.clock());
    return c.json(resourceBody(row), 201);
  });
  app.openapi(read, async (c) => {
    const row = await requireResourceRole(c, c.req.valid('param').resourceId, READ_ROLES, spec.type);
    return c.json(resourceBody(row), 200);
  });
  app.openapi(updated, async (c) => {
    const existing = await requireResourceRole(c, c.req.valid('param').resourceId, EDIT_ROLES, spec.type);
    const { common, fields } = spec.split(c.req.valid('json') as never);
    const row = await updateResource(c.var.deps.db, c.var.principal, existing, common, fields, c.var.deps.clock());
    return c.json(resourceBody(row), 200);
  });
  app.openapi(deleted, async (c) => {
    const existing = await requireResourceRole(c, c.req.valid('param').resourceId, EDIT_ROLES, spec.type);
    await deleteResource(c.var.deps.db, c.var.principal, existing, c.var.deps.clock());
    return c.body(null, 204);
  });
}
