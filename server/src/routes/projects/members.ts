import { createRoute } from '@hono/zod-openapi';
import { requireAuth } from '../../http/auth.ts';
import { bearerAuth, errorResponses, jsonBody, jsonResponse, type App } from '../../http/openapi.ts';
import { ProjectRoleSchema, Timestamp, iso, noContent, z } from '../../http/schemas.ts';
import { requireProjectRole } from '../../services/authorization.ts';
import { addProjectMember, changeProjectMemberRole, listProjectMembers, removeProjectMember, type ProjectMember } from '../../services/projects.ts';

export const ProjectMemberResponse = z.object({
  id: z.uuid().openapi({ description: 'The membership id' }),
  role: ProjectRoleSchema,
  createdAt: Timestamp,
  member: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('user'), id: z.uuid(), email: z.string(), displayName: z.string().nullable() }),
    z.object({ kind: z.literal('machine'), id: z.uuid(), name: z.string() }),
  ]),
}).openapi('ProjectMember');

// One object with a cross-field rule rather than a union: a union's errors point at the root,
// this names the field that is wrong.
export const AddProjectMemberRequest = z.object({
  userId: z.uuid().optional(),
  machineIdentityId: z.uuid().optional(),
  role: ProjectRoleSchema,
}).superRefine((body, ctx) => {
  if ((body.userId === undefined) === (body.machineIdentityId === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['userId'], message: 'give exactly one of userId or machineIdentityId' });
  }
}).openapi('AddProjectMemberRequest', { description: 'Exactly one of userId or machineIdentityId, from the project\'s org' });

export const UpdateProjectMemberRequest = z.object({ role: ProjectRoleSchema }).openapi('UpdateProjectMemberRequest');

const ProjectParams = z.object({ projectId: z.uuid().openapi({ param: { name: 'projectId', in: 'path' } }) });
const MemberParams = ProjectParams.extend({ membershipId: z.uuid().openapi({ param: { name: 'membershipId', in: 'path' } }) });

const memberBody = (m: ProjectMember) => ({ id: m.id, role: m.role, createdAt: iso(m.createdAt), member: m.member });
const base = { tags: ['project members'], middleware: [requireAuth], security: bearerAuth };

export const listMembersRoute = createRoute({
  ...base, method: 'get', path: '/api/v1/projects/{projectId}/members', summary: 'Members of a project (project admin, auditor)',
  request: { params: ProjectParams },
  responses: { 200: jsonResponse(z.object({ members: z.array(ProjectMemberResponse) }), 'Members, oldest first'), ...errorResponses(400, 401, 403, 404) },
});
export const addMemberRoute = createRoute({
  ...base, method: 'post', path: '/api/v1/projects/{projectId}/members', summary: 'Add a user or machine identity of the org to the project (project admin)',
  request: { params: ProjectParams, body: jsonBody(AddProjectMemberRequest) },
  responses: { 201: jsonResponse(ProjectMemberResponse, 'Added'), ...errorResponses(400, 401, 403, 404, 409, 413) },
});
export const updateMemberRoute = createRoute({
  ...base, method: 'patch', path: '/api/v1/projects/{projectId}/members/{membershipId}', summary: 'Change a member\'s role (project admin)',
  request: { params: MemberParams, body: jsonBody(UpdateProjectMemberRequest) },
  responses: { 200: jsonResponse(ProjectMemberResponse, 'Updated'), ...errorResponses(400, 401, 403, 404, 413) },
});
export const removeMemberRoute = createRoute({
  ...base, method: 'delete', path: '/api/v1/projects/{projectId}/members/{membershipId}', summary: 'Remove a member (project admin)',
  request: { params: MemberParams },
  responses: { 204: noContent, ...errorResponses(400, 401, 403, 404) },
});

export function register(app: App): void {
  app.openapi(listMembersRoute, async (c) => {
    const project = await requireProjectRole(c, c.req.valid('param').projectId, ['admin', 'auditor']);
    return c.json({ members: (await listProjectMembers(c.var.deps.db, project.id)).map(memberBody) }, 200);
  });

  app.openapi(addMemberRoute, async (c) => {
    const project = await requireProjectRole(c, c.req.valid('param').projectId, ['admin']);
    const { role, userId, machineIdentityId } = c.req.valid('json');
    const ref = userId ? { userId } : { machineIdentityId: machineIdentityId! };
    const member = await addProjectMember(c.var.deps.db, c.var.principal, project, ref, role, c.var.deps.clock());
    return c.json(memberBody(member), 201);
  });

  app.openapi(updateMemberRoute, async (c) => {
    const { projectId, membershipId } = c.req.valid('param');
    const project = await requireProjectRole(c, projectId, ['admin']);
    const member = await changeProjectMemberRole(c.var.deps.db, c.var.principal, project, membershipId, c.req.valid('json').role, c.var.deps.clock());
    return c.json(memberBody(member), 200);
  });

  app.openapi(removeMemberRoute, async (c) => {
    const { projectId, membershipId } = c.req.valid('param');
    const project = await requireProjectRole(c, projectId, ['admin']);
    await removeProjectMember(c.var.deps.db, c.var.principal, project, membershipId, c.var.deps.clock());
    return c.body(null, 204);
  });
}
