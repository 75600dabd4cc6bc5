import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { orgKeys } from '../db/schema/pam.ts';
import type { OrgKeyStore } from './vault.ts';

/** Keeps the vault's wrapped org data keys in the `org_keys` table. */
export function dbOrgKeyStore(db: Db): OrgKeyStore {
  return {
    async getWrappedKey(orgId) {
      const [row] = await db.select({ wrappedKey: orgKeys.wrappedKey }).from(orgKeys).where(eq(orgKeys.orgId, orgId));
      return row?.wrappedKey;
    },
    async insertWrappedKeyIfAbsent(orgId, wrappedKey) {
      await db.insert(orgKeys).values({ orgId, wrappedKey }).onConflictDoNothing({ target: orgKeys.orgId });
    },
  };
}
