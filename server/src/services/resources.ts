import { and, asc, eq, ilike, type SQL } from 'drizzle-orm';
import type { Resource, ResourceType } from '@postern/shared/schemas/resources';
import type { Db } from '../db/client.ts';
import { resources, type Project, type ResourceRow } from '../db/schema/index.ts';
import type { Principal } from '../http/principal.ts';
import { recordAudit } from './audit.ts';
import { assertGatewayInOrg } from './gateways.ts';

type Tls = { verify: true; caCertificate?: string | undefined } | { verify: false };

/** The type-specific fields of a resource as the API takes them. */
export type ResourceFields =
  | { type: 'ssh'; host?: string | undefined; port?: number | undefined }
  | { type: 'kubernetes'; url?: string | undefined; tls?: Tls | undefined };

export interface ResourceInput {
  name?: string | undefined;
  description?: string | undefined;
  gatewayId?: string | undefined;
}

export const TLS_SKIP_WARNING = 'TLS verification of the API server is off: the gateway will talk to anything that answers at this URL. Add the cluster CA to turn it on.';

export function resourceBody(row: ResourceRow): Resource {
  const common = {
    id: row.id, orgId: row.orgId, projectId: row.projectId, name: row.name, description: row.description,
    gatewayId: row.gatewayId, createdAt: row.createdAt.toISOString(), updatedAt: row.updatedAt.toISOString(),
  };
  if (row.type === 'ssh') return { ...common, type: 'ssh', host: row.host!, port: row.port! };
  return {
    ...common,
    type: 'kubernetes',
    url: row.url!,
    tls: row.tlsVerify ? { verify: true, ...(row.caCertificate ? { caCertificate: row.caCertificate } : {}) } : { verify: false },
    warnings: row.tlsVerify ? [] : [TLS_SKIP_WARNING],
  };
}

function typeColumns(fields: ResourceFields): Partial<typeof resources.$inferInsert> {
  if (fields.type === 'ssh') {
    return { ...(fields.host !== undefined ? { host: fields.host } : {}), ...(fields.port !== undefined ? { port: fields.port } : {}) };
  }
  return {
    ...(fields.url !== undefined ? { url: fields.url } : {}),
    ...(fields.tls !== undefined ? { tlsVerify: fields.tls.verify, caCertificate: fields.tls.verify ? (fields.tls.caCertificate ?? null) : null } : {}),
  };
}

/** LIKE pattern for a literal substring: the user's %, _ and \ match themselves. */
const containsPattern = (text: string) => `%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;

export function listResources(db: Db, projectId: string, filter: { type?: ResourceType | undefined; search?: string | undefined }): Promise<ResourceRow[]> {
  const conditions: SQL[] = [eq(resources.projectId, projectId)];
  if (filter.type) conditions.push(eq(resources.type, filter.type));
  if (filter.search) conditions.push(ilike(resources.name, containsPattern(filter.search)));
  return db.select().from(resources).where(and(...conditions)).orderBy(asc(resources.name), asc(resources.id));
}

export async function createResource(
  db: Db, actor: Principal, project: Project, input: ResourceInput & { name: string; gatewayId: string }, fields: ResourceFields, now: Date,
): Promise<ResourceRow> {
  return db.transaction(async (tx) => {
    await assertGatewayInOrg(tx, project.orgId, input.gatewayId);
    const [row] = await tx.insert(resources).values({
      orgId: project.orgId, projectId: project.id, type: fields.type, name: input.name, description: input.description ?? '',
      gatewayId: input.gatewayId, ...typeColumns(fields), createdAt: now, updatedAt: now,
    }).returning();
    await recordAudit(tx, {
      orgId: project.orgId, projectId: project.id, actor, action: 'resource.create', targetType: 'resource', targetId: row!.id,
      details: { name: row!.name, type: row!.type }, at: now,
    });
    return row!;
  });
}

export async function updateResource(db: Db, actor: Principal, existing: ResourceRow, input: ResourceInput, fields: ResourceFields, now: Date): Promise<ResourceRow> {
  return db.transaction(async (tx) => {
    if (input.gatewayId) await assertGatewayInOrg(tx, existing.orgId, input.gatewayId);
    const [row] = await tx.update(resources).set({ ...input, ...typeColumns(fields), updatedAt: now })
      .where(and(eq(resources.id, existing.id), eq(resources.orgId, existing.orgId))).returning();
    const changed = [...Object.keys(input), ...Object.keys(fields).filter((k) => k !== 'type')];
    await recordAudit(tx, {
      orgId: existing.orgId, projectId: existing.projectId, actor, action: 'resource.update', targetType: 'resource', targetId: existing.id,
      details: { name: row!.name, fields: changed }, at: now,
    });
    return row!;
  });
}

export async function deleteResource(db: Db, actor: Principal, existing: ResourceRow, now: Date): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.delete(resources).where(and(eq(resources.id, existing.id), eq(resources.orgId, existing.orgId)));
    await recordAudit(tx, {
      orgId: existing.orgId, projectId: existing.projectId, actor, action: 'resource.delete', targetType: 'resource', targetId: existing.id,
      details: { name: existing.name, type: existing.type }, at: now,
    });
  });
}
