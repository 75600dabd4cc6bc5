import { sql } from 'drizzle-orm';
import { boolean, customType, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { orgs } from './identity.ts';
import { pamSessions } from './pki.ts';

/**
 * Session recordings (see docs/architecture.md "Recordings"). The chunks are stored exactly as the
 * gateway sealed them (AES-256-GCM under the session's recording key); the key itself is stored
 * only sealed by the vault. What is in the clear here is bookkeeping: sizes, counts, times, exit code.
 */

const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (value) => (Buffer.isBuffer(value) ? value : Buffer.from(value)),
});

/** One row per recorded session: its sealed key and running totals kept as chunks arrive. */
export const sessionRecordings = pgTable('session_recordings', {
  sessionId: uuid('session_id').primaryKey().references(() => pamSessions.id, { onDelete: 'cascade' }),
  orgId: uuid('org_id').notNull().references(() => orgs.id, { onDelete: 'cascade' }),
  /** The session's recording key, vault-sealed for the org, bound to `recording:<sessionId>:key`. */
  keyCiphertext: text('key_ciphertext').notNull(),
  chunkCount: integer('chunk_count').notNull().default(0),
  /** Terminal bytes recorded (output + input). */
  terminalBytes: integer('terminal_bytes').notNull().default(0),
  eventCount: integer('event_count').notNull().default(0),
  terminalCount: integer('terminal_count').notNull().default(0),
  /** Exit code of the last terminal that closed, and the chunk that said so (a later chunk wins). */
  lastExitCode: integer('last_exit_code'),
  lastExitChunk: integer('last_exit_chunk'),
  /** Index of the chunk flagged final; the recording is complete once every index up to it is stored. */
  finalIndex: integer('final_index'),
  firstAt: timestamp('first_at', { withTimezone: true }),
  lastAt: timestamp('last_at', { withTimezone: true }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [index('session_recordings_org_idx').on(t.orgId)]);

/** One sealed chunk. (session, index) is the identity: a second upload must match the stored hash. */
export const recordingChunks = pgTable('recording_chunks', {
  sessionId: uuid('session_id').notNull().references(() => sessionRecordings.sessionId, { onDelete: 'cascade' }),
  orgId: uuid('org_id').notNull().references(() => orgs.id, { onDelete: 'cascade' }),
  index: integer('index').notNull(),
  sha256: text('sha256').notNull(),
  size: integer('size').notNull(),
  sealed: bytea('sealed').notNull(),
  final: boolean('final').notNull(),
  /** The gateway's terminal numbers with records in this chunk (bookkeeping; review numbers terminals in opening order). */
  terminalIds: jsonb('terminal_ids').$type<number[]>().notNull().default(sql`'[]'::jsonb`),
  hasEvents: boolean('has_events').notNull().default(false),
  receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [primaryKey({ columns: [t.sessionId, t.index] })]);

export type SessionRecordingRow = typeof sessionRecordings.$inferSelect;
export type RecordingChunkRow = typeof recordingChunks.$inferSelect;
