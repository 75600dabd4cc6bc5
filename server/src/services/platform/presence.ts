/**
 * Where each gateway is connected. The gateway reports it (docs/architecture.md "Deployment"):
 * on tunnel up, on tunnel down, and every 10 s while up. Chosen over relays reporting because a
 * gateway already holds a server identity and talks to the server, while relays would need a
 * new server-facing credential and channel; a relay's own view stays in its registry.
 * A gateway counts as healthy while its last "connected" report is younger than the presence TTL
 * (POSTERN_GATEWAY_PRESENCE_TTL_SECONDS, 30 s: three of the gateway's 10 s reports).
 */
import { and, eq, inArray, isNull, or } from 'drizzle-orm';
import { UnprocessableError } from '@postern/shared/errors';
import type { DbOrTx } from '../../db/client.ts';
import { gatewayEnrollments, gatewayPresence, relays, type GatewayPresenceRow } from '../../db/schema/index.ts';
import type { Principal } from '../../http/principal.ts';
import { gatewayOfMachine } from '../pki/gateway-enrollment.ts';

export const DEFAULT_PRESENCE_TTL_MS = 30_000;

/** The presence TTL from the server config when the caller's deps carry it (AppDeps do). */
export function presenceTtlMs(deps: object): number {
  const config = (deps as { config?: { gatewayPresenceTtlSeconds?: number } }).config;
  return config?.gatewayPresenceTtlSeconds ? config.gatewayPresenceTtlSeconds * 1000 : DEFAULT_PRESENCE_TTL_MS;
}

export interface PresenceReport {
  relayId: string;
  connected: boolean;
  gatewayId?: string | undefined;
}

export async function reportPresence(db: DbOrTx, principal: Principal, report: PresenceReport, now: Date): Promise<GatewayPresenceRow> {
  const gateway = await gatewayOfMachine(db, principal, report.gatewayId);
  const [enrollment] = await db.select({ revokedAt: gatewayEnrollments.revokedAt }).from(gatewayEnrollments).where(eq(gatewayEnrollments.gatewayId, gateway.id)).limit(1);
  if (!enrollment || enrollment.revokedAt) {
    throw new UnprocessableError('gateway_not_enrolled', `Gateway ${gateway.id} is not enrolled (or was revoked); enroll it before it reports where it is.`, { gatewayId: gateway.id });
  }
  const [relay] = await db.select({ id: relays.id }).from(relays)
    .where(and(eq(relays.id, report.relayId), isNull(relays.revokedAt), or(eq(relays.scope, 'instance'), eq(relays.orgId, gateway.orgId)))).limit(1);
  if (!relay) throw new UnprocessableError('relay_not_found', `No relay ${report.relayId} serves this gateway's org.`, { field: 'relayId' });
  const values = { relayId: relay.id, connected: report.connected, lastSeenAt: now };
  const [row] = await db.insert(gatewayPresence).values({ gatewayId: gateway.id, orgId: gateway.orgId, ...values })
    .onConflictDoUpdate({ target: gatewayPresence.gatewayId, set: values }).returning();
  return row!;
}

export async function presenceOf(db: DbOrTx, gatewayIds: string[]): Promise<Map<string, GatewayPresenceRow>> {
  if (gatewayIds.length === 0) return new Map();
  const rows = await db.select().from(gatewayPresence).where(inArray(gatewayPresence.gatewayId, gatewayIds));
  return new Map(rows.map((row) => [row.gatewayId, row]));
}

export function isHealthy(presence: GatewayPresenceRow | undefined, now: Date, ttlMs = DEFAULT_PRESENCE_TTL_MS): boolean {
  return Boolean(presence?.connected && now.getTime() - presence.lastSeenAt.getTime() < ttlMs);
}
