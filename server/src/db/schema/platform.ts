import { boolean, index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { orgs } from './identity.ts';
import { gateways, resources } from './pam.ts';
import { relays } from './pki.ts';

/**
 * Where each gateway is and which gateways stand in for each other (docs/architecture.md
 * "Deployment"). Presence is reported by the gateway itself (machine identity) on tunnel up and
 * down and every 10 s while up; pools are set by org admins.
 */

/** The relay a gateway's tunnel is on, whether it is up, and when the gateway last said so. */
export const gatewayPresence = pgTable('gateway_presence', {
  gatewayId: uuid('gateway_id').primaryKey().references(() => gateways.id, { onDelete: 'cascade' }),
  orgId: uuid('org_id').notNull().references(() => orgs.id, { onDelete: 'cascade' }),
  relayId: uuid('relay_id').references(() => relays.id, { onDelete: 'set null' }),
  connected: boolean('connected').notNull(),
  lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull(),
}, (t) => [index('gateway_presence_org_idx').on(t.orgId)]);

/** Gateways with the same pool name in an org serve each other's resources (one pool per gateway). */
export const gatewayPools = pgTable('gateway_pools', {
  gatewayId: uuid('gateway_id').primaryKey().references(() => gateways.id, { onDelete: 'cascade' }),
  orgId: uuid('org_id').notNull().references(() => orgs.id, { onDelete: 'cascade' }),
  poolName: text('pool_name').notNull(),
}, (t) => [index('gateway_pools_org_pool_idx').on(t.orgId, t.poolName)]);

/**
 * The SSH host key(s) a gateway saw at an SSH resource's address during a reachability check:
 * the pin the SSH bridge enforces. Kept with the address it was seen at, so changing the
 * resource's host or port drops the pin until the next check rather than pinning a stale key.
 */
export const resourceHostKeys = pgTable('resource_host_keys', {
  resourceId: uuid('resource_id').primaryKey().references(() => resources.id, { onDelete: 'cascade' }),
  orgId: uuid('org_id').notNull().references(() => orgs.id, { onDelete: 'cascade' }),
  host: text('host').notNull(),
  port: integer('port').notNull(),
  hostKeys: text('host_keys').array().notNull(),
  gatewayId: uuid('gateway_id').references(() => gateways.id, { onDelete: 'set null' }),
  seenAt: timestamp('seen_at', { withTimezone: true }).notNull(),
});

export type GatewayPresenceRow = typeof gatewayPresence.$inferSelect;
