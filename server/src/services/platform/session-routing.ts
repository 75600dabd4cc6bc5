/**
 * Which gateway and relay a new session goes through. A resource names one gateway; if that
 * gateway belongs to a pool (gateway_pools: same pool name in the org), any healthy member may
 * serve it — the gateways of one network share what they can reach. Healthy = enrolled, not
 * revoked, and its last presence report says connected and is younger than the presence TTL (30 s). Among healthy
 * members one is picked at random (load spread per session); the session's certificate names
 * that gateway, so a gateway going away only ends its own sessions. With no healthy member the
 * resource's own gateway is used, and the client is told by the relay that it is offline.
 * The relay is where the chosen gateway says it is connected, else the relay of its enrollment.
 */
import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { gatewayEnrollments, gatewayPools, type ResourceRow } from '../../db/schema/index.ts';
import { isHealthy, presenceOf } from './presence.ts';

export interface SessionRoute {
  gatewayId: string;
  /** The relay the gateway reported being on; undefined: use its enrollment's relay. */
  reportedRelayId: string | undefined;
}

export async function poolMembersOf(db: DbOrTx, orgId: string, gatewayId: string): Promise<string[]> {
  const [membership] = await db.select().from(gatewayPools).where(and(eq(gatewayPools.gatewayId, gatewayId), eq(gatewayPools.orgId, orgId))).limit(1);
  if (!membership) return [gatewayId];
  const members = await db.select({ gatewayId: gatewayPools.gatewayId }).from(gatewayPools)
    .where(and(eq(gatewayPools.orgId, orgId), eq(gatewayPools.poolName, membership.poolName)));
  return members.map((member) => member.gatewayId);
}

export async function routeSession(db: DbOrTx, resource: ResourceRow, now: Date, ttlMs: number, random: () => number = Math.random): Promise<SessionRoute> {
  const members = await poolMembersOf(db, resource.orgId, resource.gatewayId);
  const enrolled = await db.select({ gatewayId: gatewayEnrollments.gatewayId }).from(gatewayEnrollments)
    .where(and(inArray(gatewayEnrollments.gatewayId, members), eq(gatewayEnrollments.orgId, resource.orgId), isNull(gatewayEnrollments.revokedAt)));
  const presence = await presenceOf(db, enrolled.map((row) => row.gatewayId));
  const healthy = enrolled.map((row) => row.gatewayId).filter((id) => isHealthy(presence.get(id), now, ttlMs));
  const chosen = healthy.length ? healthy[Math.floor(random() * healthy.length)]! : resource.gatewayId;
  const reported = presence.get(chosen);
  return { gatewayId: chosen, reportedRelayId: reported && isHealthy(reported, now, ttlMs) ? reported.relayId ?? undefined : undefined };
}
