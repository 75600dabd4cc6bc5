import { createRoute } from '@hono/zod-openapi';
import { requireAuth } from '../../http/auth.ts';
import { bearerAuth, errorResponses, jsonBody, jsonResponse, type App } from '../../http/openapi.ts';
import { NameSchema, OrgIdParams, ProjectIdParams, Timestamp, iso, noContent, z } from '../../http/schemas.ts';
import type { Project } from '../../db/schema/index.ts';
import { requireOrgRole, requireProjectRole } from '../../services/authorization.ts';
import { createProject, deleteProject, listVisibleProjects, updateProject } from '../../services/projects.ts';
import { NotFoundError } from '@postern/shared/errors';

const MAX_SESSION_LIMIT_SECONDS = 7 * 24 * 60 * 60;

export const ProjectResponse = z.object({
  id: z.uuid(),
  orgId: z.uuid(),
  name: z.string(),
  description: z.string(),
  maxSessionDurationSeconds: z.number().int(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
}).openapi('Project');

const projectFields = {
  name: NameSchema,
  description: z.string().max(2000).optional(),
  maxSessionDurationSeconds: z.number().int().min(60).max(MAX_SESSION_LIMIT_SECONDS).optional()
    .openapi({ description: 'Longest session anyone may request in this project; default 28800 (8 h)' }),
};
export const CreateProjectRequest = z.object(projectFields).openapi('CreateProjectRequest');
export const UpdateProjectRequest = z.object(projectFields).partial()
  .refine((body) => Object.keys(body).length > 0, { message: 'name at least one field to change (name, description, maxSessionDurationSeconds)' })
  .openapi('UpdateProjectRequest');

export const projectBody = (p: Project) => ({
  id: p.id, orgId: p.orgId, name: p.name, description: p.description, maxSessionDurationSeconds: p.maxSessionDurationSeconds,
  createdAt: iso(p.createdAt), updatedAt: iso(p.updatedAt),
});

const base = { tags: ['projects'], middleware: [requireAuth], security: bearerAuth };

export const listProjectsRoute = createRoute({
  ...base, method: 'get', path: '/api/v1/orgs/{orgId}/projects', summary: 'Projects the caller can see (all of them for org owners/admins)',
  request: { params: OrgIdParams },
  responses: { 200: jsonResponse(z.object({ projects: z.array(ProjectResponse) }), 'Projects, by name'), ...errorResponses(400, 401, 404) },
});
export const createProjectRoute = createRoute({
  ...base, method: 'post', path: '/api/v1/orgs/{orgId}/projects', summary: 'Create a project (org owner, admin)',
  request: { params: OrgIdParams, body: jsonBody(CreateProjectRequest) },
  responses: { 201: jsonResponse(ProjectResponse, 'Created'), ...errorResponses(400, 401, 403, 404, 409, 413) },
});
export const getProjectRoute = createRoute({
  ...base, method: 'get', path: '/api/v1/projects/{projectId}', summary: 'One project (any project role)',
  request: { params: ProjectIdParams },
  responses: { 200: jsonResponse(ProjectResponse, 'The project'), ...errorResponses(400, 401, 404) },
});
export const updateProjectRoute = createRoute({
  ...base, method: 'patch', path: '/api/v1/projects/{projectId}', summary: 'Change a project (project admin)',
  request: { params: ProjectIdParams, body: jsonBody(UpdateProjectRequest) },
  responses: { 200: jsonResponse(ProjectResponse, 'Updated'), ...errorResponses(400, 401, 403, 404, 409, 413) },
});
export const deleteProjectRoute = createRoute({
  ...base, method: 'delete', path: '/api/v1/projects/{projectId}', summary: 'Delete a project and everything in it (project admin)',
  request: { params: ProjectIdParams },
  responses: { 204: noContent, ...errorResponses(400, 401, 403, 404) },
});

export function register(app: App): void {
  app.openapi(listProjectsRoute, async (c) => {
    const { orgId } = c.req.valid('param');
    const principal = c.var.principal;
    // Machine identities have no org role but may list the projects they were added to.
    if (principal.kind === 'machine') {
      if (principal.orgId !== orgId) throw new NotFoundError('org', orgId);
    } else {
      await requireOrgRole(c, orgId, ['owner', 'admin', 'member']);
    }
    return c.json({ projects: (await listVisibleProjects(c.var.deps.db, principal, orgId)).map(projectBody) }, 200);
  });

  app.openapi(createProjectRoute, async (c) => {
    const { orgId } = c.req.valid('param');
    await requireOrgRole(c, orgId, ['owner', 'admin']);
    const project = await createProject(c.var.deps.db, c.var.principal, orgId, c.req.valid('json'), c.var.deps.clock());
    return c.json(projectBody(project), 201);
  });

  app.openapi(getProjectRoute, async (c) => {
    const project = await requireProjectRole(c, c.req.valid('param').projectId, ['admin', 'member', 'auditor']);
    return c.json(projectBody(project), 200);
  });

  app.openapi(updateProjectRoute, async (c) => {
    const project = await requireProjectRole(c, c.req.valid('param').projectId, ['admin']);
    const updated = await updateProject(c.var.deps.db, c.var.principal, project, c.req.valid('json'), c.var.deps.clock());
    return c.json(projectBody(updated), 200);
  });

  app.openapi(deleteProjectRoute, async (c) => {
    const project = await requireProjectRole(c, c.req.valid('param').projectId, ['admin']);
    await deleteProject(c.var.deps.db, c.var.principal, project, c.var.deps.clock());
    return c.body(null, 204);
  });
}
