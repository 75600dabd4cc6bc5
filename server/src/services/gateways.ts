import { and, asc, count, eq } from 'drizzle-orm';
import { ConflictError, NotFoundError, UnprocessableError } from '@postern/shared/errors';
import type { Db, DbOrTx } from '../db/client.ts';
import { gateways, machineIdentities, resources, type GatewayRow } from '../db/schema/index.ts';
import type { Principal } from '../http/principal.ts';
import { recordAudit } from './audit.ts';

export interface GatewayInput {
  name: string;
  description?: string | undefined;
  machineIdentityId?: string | null | undefined;
}

/** A gateway of the org, or 404 (ids from another org look exactly like unknown ids). */
export async function findGateway(db: DbOrTx, orgId: string, gatewayId: string): Promise<GatewayRow> {
  const [row] = await db.select().from(gateways).where(and(eq(gateways.id, gatewayId), eq(gateways.orgId, orgId))).limit(1);
  if (!row) throw new NotFoundError('gateway', gatewayId);
  return row;
}

/** For a resource that names a gateway: the gateway must exist in the same org. */
export async function assertGatewayInOrg(db: DbOrTx, orgId: string, gatewayId: string): Promise<void> {
  const [row] = await db.select({ id: gateways.id }).from(gateways).where(and(eq(gateways.id, gatewayId), eq(gateways.orgId, orgId))).limit(1);
  if (!row) {
    throw new UnprocessableError('gateway_not_found', `No gateway with id "${gatewayId}" exists in this org; pick one from GET /api/v1/orgs/{orgId}/gateways.`, { field: 'gatewayId' });
  }
}

async function assertIdentityInOrg(db: DbOrTx, orgId: string, identityId: string | null | undefined): Promise<void> {
  if (!identityId) return;
  const [row] = await db.select({ id: machineIdentities.id }).from(machineIdentities)
    .where(and(eq(machineIdentities.id, identityId), eq(machineIdentities.orgId, orgId))).limit(1);
  if (!row) {
    throw new UnprocessableError('machine_identity_not_found', `No machine identity with id "${identityId}" exists in this org; create one first.`, { field: 'machineIdentityId' });
  }
}

export function listGateways(db: DbOrTx, orgId: string): Promise<GatewayRow[]> {
  return db.select().from(gateways).where(eq(gateways.orgId, orgId)).orderBy(asc(gateways.name), asc(gateways.id));
}

export async function createGateway(db: Db, actor: Principal, orgId: string, input: GatewayInput, now: Date): Promise<GatewayRow> {
  return db.transaction(async (tx) => {
    await assertIdentityInOrg(tx, orgId, input.machineIdentityId);
    const [row] = await tx.insert(gateways).values({
      orgId, name: input.name, description: input.description ?? '', machineIdentityId: input.machineIdentityId ?? null, createdAt: now, updatedAt: now,
    }).returning();
    await recordAudit(tx, { orgId, actor, action: 'gateway.create', targetType: 'gateway', targetId: row!.id, details: { name: row!.name }, at: now });
    return row!;
  });
}

export async function updateGateway(db: Db, actor: Principal, orgId: string, gatewayId: string, input: Partial<GatewayInput>, now: Date): Promise<GatewayRow> {
  return db.transaction(async (tx) => {
    await findGateway(tx, orgId, gatewayId);
    await assertIdentityInOrg(tx, orgId, input.machineIdentityId);
    const [row] = await tx.update(gateways).set({ ...input, updatedAt: now })
      .where(and(eq(gateways.id, gatewayId), eq(gateways.orgId, orgId))).returning();
    await recordAudit(tx, { orgId, actor, action: 'gateway.update', targetType: 'gateway', targetId: gatewayId, details: { fields: Object.keys(input) }, at: now });
    return row!;
  });
}

export async function deleteGateway(db: Db, actor: Principal, orgId: string, gatewayId: string, now: Date): Promise<void> {
  await db.transaction(async (tx) => {
    const gateway = await findGateway(tx, orgId, gatewayId);
    const [inUse] = await tx.select({ n: count() }).from(resources).where(eq(resources.gatewayId, gatewayId));
    if (inUse && inUse.n > 0) {
      throw new ConflictError(`Gateway "${gateway.name}" still serves ${inUse.n} resource(s); move or delete them first.`, { field: 'gatewayId', resources: inUse.n });
    }
    await tx.delete(gateways).where(and(eq(gateways.id, gatewayId), eq(gateways.orgId, orgId)));
    await recordAudit(tx, { orgId, actor, action: 'gateway.delete', targetType: 'gateway', targetId: gatewayId, details: { name: gateway.name }, at: now });
  });
}
