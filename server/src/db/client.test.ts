import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../test/database.ts';
import { openDatabase } from './client.ts';
import { orgs } from './schema/index.ts';

describe('openDatabase', () => {
  const dirs: string[] = [];
  afterAll(() => { for (const dir of dirs) rmSync(dir, { recursive: true, force: true }); });

  it('keeps data in the PGlite data folder across a restart, and migrating again changes nothing', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'postern-db-'));
    dirs.push(dataDir);
    const first = await openDatabase({ dataDir });
    await first.migrate();
    const [org] = await first.db.insert(orgs).values({ name: 'Persisted Org' }).returning();
    await first.close();

    const second = await openDatabase({ dataDir });
    await second.migrate();
    await second.migrate();
    const rows = await second.db.select().from(orgs).where(eq(orgs.id, org!.id));
    await second.close();
    expect(rows.map((row) => row.name)).toEqual(['Persisted Org']);
  });

  it('opens the backend this project runs on, migrated, with timestamps as Dates', async () => {
    const database = await openTestDatabase();
    try {
      const [org] = await database.db.insert(orgs).values({ name: 'Backend Org' }).returning();
      expect(org!.createdAt).toBeInstanceOf(Date);
      expect(Math.abs(org!.createdAt.getTime() - Date.now())).toBeLessThan(60_000);
      await database.migrate();
      expect(await database.db.select().from(orgs)).toHaveLength(1);
    } finally {
      await database.close();
    }
  });
});
