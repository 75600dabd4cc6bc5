import { and, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { gatewayPools, type GatewayRow } from '../../db/schema/index.ts';
import type { Principal } from '../../http/principal.ts';
import { recordAudit } from '../audit.ts';

/** Puts a gateway in a pool (by name, within its org) or takes it out (null); audited with the change. */
export async function setGatewayPool(db: Db, actor: Principal, gateway: GatewayRow, poolName: string | null, now: Date): Promise<string | null> {
  return db.transaction(async (tx) => {
    const [before] = await tx.select().from(gatewayPools).where(and(eq(gatewayPools.gatewayId, gateway.id), eq(gatewayPools.orgId, gateway.orgId))).limit(1);
    if (poolName === null) await tx.delete(gatewayPools).where(and(eq(gatewayPools.gatewayId, gateway.id), eq(gatewayPools.orgId, gateway.orgId)));
    else {
      await tx.insert(gatewayPools).values({ gatewayId: gateway.id, orgId: gateway.orgId, poolName })
        .onConflictDoUpdate({ target: gatewayPools.gatewayId, set: { poolName } });
    }
    await recordAudit(tx, {
      orgId: gateway.orgId, actor, action: 'gateway.pool.set', targetType: 'gateway', targetId: gateway.id,
      details: { poolName, previous: before?.poolName ?? null }, at: now,
    });
    return poolName;
  });
}
