import { bigserial, index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { orgs } from './identity.ts';

export const AUDIT_ACTOR_TYPES = ['user', 'machine', 'system', 'anonymous'] as const;
export type AuditActorType = (typeof AUDIT_ACTOR_TYPES)[number];

/**
 * Append-only record of every mutating action and every sign-in attempt. `org_id` is null only
 * for events that belong to no org (a failed login for an unknown email). Project and actor ids are
 * kept as plain values, not foreign keys, so deleting a project or user never rewrites history.
 */
export const auditLogs = pgTable('audit_logs', {
  id: uuid('id').primaryKey().defaultRandom(),
  /** Insertion order: pages and "newest first" follow it, since many events share a millisecond. */
  seq: bigserial('seq', { mode: 'number' }).notNull(),
  orgId: uuid('org_id').references(() => orgs.id, { onDelete: 'cascade' }),
  projectId: uuid('project_id'),
  actorType: text('actor_type', { enum: AUDIT_ACTOR_TYPES }).notNull(),
  actorId: uuid('actor_id'),
  /** Human-readable actor (email, machine identity name, "system"), frozen at the time of the event. */
  actorLabel: text('actor_label').notNull(),
  action: text('action').notNull(),
  targetType: text('target_type').notNull(),
  targetId: text('target_id'),
  details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [
  uniqueIndex('audit_logs_seq_unique').on(t.seq),
  index('audit_logs_org_seq_idx').on(t.orgId, t.seq),
  index('audit_logs_project_created_idx').on(t.projectId, t.createdAt),
]);

export type AuditLog = typeof auditLogs.$inferSelect;

