import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { openDatabase, type Database } from '../db/client.ts';

/**
 * The database a test server runs on, chosen by POSTERN_TEST_DB (vitest.config.ts sets it per
 * project): 'pglite' → in-memory PGlite; 'postgres' → a fresh database on
 * POSTERN_TEST_DATABASE_URL, dropped again at close.
 */
export type TestBackend = 'pglite' | 'postgres';

export function testBackend(): TestBackend {
  const value = process.env.POSTERN_TEST_DB ?? 'pglite';
  if (value !== 'pglite' && value !== 'postgres') throw new Error(`POSTERN_TEST_DB must be pglite or postgres, not "${value}"`);
  return value;
}

export async function openTestDatabase(backend: TestBackend = testBackend()): Promise<Database> {
  if (backend === 'pglite') {
    const database = await openDatabase({ memory: true });
    await database.migrate();
    return database;
  }
  const adminUrl = process.env.POSTERN_TEST_DATABASE_URL;
  if (!adminUrl) throw new Error('POSTERN_TEST_DB=postgres needs POSTERN_TEST_DATABASE_URL (a role with CREATEDB)');
  const name = `postern_t_${randomBytes(6).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: url.toString() });
  await database.migrate();
  return {
    ...database,
    close: async () => {
      await database.close();
      await dropTestDatabase(adminUrl, name);
    },
  };
}

/**
 * Drops a test database. An autovacuum worker may still be on it right after the tests; a
 * non-superuser cannot terminate that worker (FORCE fails), so wait for it to leave and retry.
 */
async function dropTestDatabase(adminUrl: string, name: string): Promise<void> {
  const dropper = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await dropper.unsafe(`drop database if exists "${name}" with (force)`);
        return;
      } catch (error) {
        if (attempt >= 20) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  } finally {
    await dropper.end({ timeout: 5 });
  }
}
