import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import * as schema from './schema/index.ts';

export type Schema = typeof schema;
/** The database as every query function sees it; PGlite and postgres.js both satisfy it. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** Query helpers take either, so they can run alone or inside the caller's transaction. */
export type DbOrTx = Db | Tx;

export type DatabaseBackend = 'pglite' | 'postgres';

export type OpenDatabaseOptions =
  | { databaseUrl: string }
  | { dataDir: string }
  | { memory: true };

export interface Database {
  db: Db;
  backend: DatabaseBackend;
  /** Applies the committed migrations from server/drizzle; safe to call on every start. */
  migrate(): Promise<void>;
  close(): Promise<void>;
}

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));

// An arbitrary constant: servers starting together on one PostgreSQL take turns migrating.
const MIGRATION_LOCK_ID = 7_301_946_221;

/**
 * Opens the server's database: PostgreSQL through postgres.js when a URL is given, otherwise the
 * embedded PGlite in `<dataDir>/db` (or in memory for tests). Call `migrate()` before serving.
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  if ('databaseUrl' in options) return openPostgres(options.databaseUrl);
  const dataDir = 'dataDir' in options ? path.join(options.dataDir, 'db') : undefined;
  if (dataDir) mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const client = dataDir ? new PGlite(dataDir) : new PGlite();
  await client.waitReady;
  const db = drizzlePglite({ client, schema });
  return {
    db,
    backend: 'pglite',
    migrate: () => migratePglite(db, { migrationsFolder: MIGRATIONS_FOLDER }),
    close: () => client.close(),
  };
}

function openPostgres(databaseUrl: string): Database {
  const sql = postgres(databaseUrl, { onnotice: () => {}, max: 10 });
  const db = drizzlePostgres({ client: sql, schema });
  return {
    db,
    backend: 'postgres',
    migrate: () => migratePostgresLocked(databaseUrl),
    close: () => sql.end({ timeout: 5 }),
  };
}

async function migratePostgresLocked(databaseUrl: string): Promise<void> {
  // A one-connection client, so the session-level advisory lock and the migration share a session.
  const sql = postgres(databaseUrl, { onnotice: () => {}, max: 1 });
  try {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_ID})`;
    await migratePostgres(drizzlePostgres({ client: sql }), { migrationsFolder: MIGRATIONS_FOLDER });
    await sql`select pg_advisory_unlock(${MIGRATION_LOCK_ID})`;
  } finally {
    await sql.end({ timeout: 5 });
  }
}
