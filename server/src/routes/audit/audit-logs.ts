import { createRoute } from '@hono/zod-openapi';
import { and, eq, inArray } from 'drizzle-orm';
import { ForbiddenError, NotFoundError } from '@postern/shared/errors';
import { projectMemberships, type AuditLog } from '../../db/schema/index.ts';
import { requireAuth } from '../../http/auth.ts';
import { bearerAuth, errorResponses, jsonResponse, type App } from '../../http/openapi.ts';
import { OrgIdParams, Timestamp, iso, z } from '../../http/schemas.ts';
import { queryAuditLog } from '../../services/audit-query.ts';
import { ORG_WIDE_PROJECT_ADMIN_ROLES, orgRoleOf, requireProjectRole } from '../../services/authorization.ts';

export const AuditLogEntry = z.object({
  id: z.uuid(),
  orgId: z.uuid().nullable(),
  projectId: z.uuid().nullable(),
  actor: z.object({ type: z.enum(['user', 'machine', 'system', 'anonymous']), id: z.uuid().nullable(), label: z.string() }),
  action: z.string().openapi({ example: 'project.create' }),
  target: z.object({ type: z.string(), id: z.string().nullable() }),
  details: z.record(z.string(), z.unknown()),
  createdAt: Timestamp,
  seq: z.number().int().openapi({ description: 'Insertion order within this server' }),
}).openapi('AuditLogEntry');

export const AuditLogQuery = z.object({
  projectId: z.uuid().optional(),
  action: z.string().min(1).max(100).optional().openapi({ description: 'Exact action, or a family like `auth.*`' }),
  actorId: z.uuid().optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  cursor: z.string().max(200).optional().openapi({ description: 'nextCursor from the previous page' }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

const entryBody = (row: AuditLog) => ({
  id: row.id, orgId: row.orgId, projectId: row.projectId,
  actor: { type: row.actorType, id: row.actorId, label: row.actorLabel },
  action: row.action, target: { type: row.targetType, id: row.targetId }, details: row.details, createdAt: iso(row.createdAt), seq: row.seq,
});

export const listAuditLogsRoute = createRoute({
  method: 'get', path: '/api/v1/orgs/{orgId}/audit-logs', tags: ['audit'], middleware: [requireAuth], security: bearerAuth,
  summary: 'The audit log, newest first (org owners/admins: everything; project admins and auditors: their projects)',
  request: { params: OrgIdParams, query: AuditLogQuery },
  responses: {
    200: jsonResponse(z.object({ items: z.array(AuditLogEntry), nextCursor: z.string().nullable() }), 'One page; pass nextCursor for the next'),
    ...errorResponses(400, 401, 403, 404),
  },
});

export function register(app: App): void {
  app.openapi(listAuditLogsRoute, async (c) => {
    const { orgId } = c.req.valid('param');
    const query = c.req.valid('query');
    const { db } = c.var.deps;
    const principal = c.var.principal;
    const orgRole = await orgRoleOf(db, principal, orgId);
    const inOrg = principal.kind === 'machine' ? principal.orgId === orgId : orgRole !== undefined;
    if (!inOrg) throw new NotFoundError('org', orgId);

    let visibleProjectIds: string[] | undefined;
    if (query.projectId) {
      const project = await requireProjectRole(c, query.projectId, ['admin', 'auditor']);
      if (project.orgId !== orgId) throw new NotFoundError('project', query.projectId);
    } else if (!(orgRole && ORG_WIDE_PROJECT_ADMIN_ROLES.includes(orgRole))) {
      const member = principal.kind === 'user' ? eq(projectMemberships.userId, principal.userId) : eq(projectMemberships.machineIdentityId, principal.identityId);
      const rows = await db.select({ projectId: projectMemberships.projectId }).from(projectMemberships)
        .where(and(eq(projectMemberships.orgId, orgId), member, inArray(projectMemberships.role, ['admin', 'auditor'])));
      if (rows.length === 0) throw new ForbiddenError('Reading the audit log needs the org role owner or admin, or the project role admin or auditor.');
      visibleProjectIds = rows.map((row) => row.projectId);
    }
    const page = await queryAuditLog(db, {
      orgId, visibleProjectIds, projectId: query.projectId, action: query.action, actorId: query.actorId,
      from: query.from ? new Date(query.from) : undefined, to: query.to ? new Date(query.to) : undefined,
      cursor: query.cursor, limit: query.limit,
    });
    return c.json({ items: page.items.map(entryBody), nextCursor: page.nextCursor }, 200);
  });
}
