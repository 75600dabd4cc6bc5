import { createRoute } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import { NotFoundError } from '@postern/shared/errors';
import type { Db } from '../../db/client.ts';
import { machineIdentities, orgMemberships, orgs, projectMemberships, projects, users } from '../../db/schema/index.ts';
import { requireAuth, type Principal } from '../../http/auth.ts';
import { bearerAuth, errorResponses, jsonResponse, type App } from '../../http/openapi.ts';
import { OrgRoleSchema, ProjectRoleSchema, z } from '../../http/schemas.ts';

const ProjectGrant = z.object({ id: z.uuid(), orgId: z.uuid(), name: z.string(), role: ProjectRoleSchema });

export const MeResponse = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('user'),
    id: z.uuid(),
    email: z.string(),
    displayName: z.string().nullable(),
    orgs: z.array(z.object({ id: z.uuid(), name: z.string(), role: OrgRoleSchema })),
    projects: z.array(ProjectGrant),
  }),
  z.object({
    kind: z.literal('machine'),
    id: z.uuid(),
    orgId: z.uuid(),
    name: z.string(),
    projects: z.array(ProjectGrant),
  }),
]).openapi('Me');

export const meRoute = createRoute({
  method: 'get',
  path: '/api/v1/auth/me',
  tags: ['auth'],
  summary: 'Who am I: the caller, its orgs and its project roles',
  middleware: [requireAuth] as const,
  security: bearerAuth,
  responses: { 200: jsonResponse(MeResponse, 'The signed-in user or machine identity'), ...errorResponses(401) },
});

async function projectGrants(db: Db, principal: Principal) {
  const member = principal.kind === 'user' ? eq(projectMemberships.userId, principal.userId) : eq(projectMemberships.machineIdentityId, principal.identityId);
  return db.select({ id: projects.id, orgId: projects.orgId, name: projects.name, role: projectMemberships.role })
    .from(projectMemberships).innerJoin(projects, eq(projects.id, projectMemberships.projectId)).where(member).orderBy(projects.name);
}

export async function describePrincipal(db: Db, principal: Principal): Promise<z.infer<typeof MeResponse>> {
  if (principal.kind === 'machine') {
    const [identity] = await db.select().from(machineIdentities).where(eq(machineIdentities.id, principal.identityId));
    if (!identity) throw new NotFoundError('machine_identity', principal.identityId);
    return { kind: 'machine', id: identity.id, orgId: identity.orgId, name: identity.name, projects: await projectGrants(db, principal) };
  }
  const [user] = await db.select().from(users).where(eq(users.id, principal.userId));
  if (!user) throw new NotFoundError('user', principal.userId);
  const memberOf = await db.select({ id: orgs.id, name: orgs.name, role: orgMemberships.role })
    .from(orgMemberships).innerJoin(orgs, eq(orgs.id, orgMemberships.orgId)).where(eq(orgMemberships.userId, user.id)).orderBy(orgs.name);
  return { kind: 'user', id: user.id, email: user.email, displayName: user.displayName, orgs: memberOf, projects: await projectGrants(db, principal) };
}

export function register(app: App): void {
  app.openapi(meRoute, async (c) => c.json(await describePrincipal(c.var.deps.db, c.var.principal), 200));
}
