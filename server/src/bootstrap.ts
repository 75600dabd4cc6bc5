import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Config } from './config.ts';
import type { Db } from './db/client.ts';
import { orgMemberships, orgs, projects, users } from './db/schema/index.ts';
import { recordAudit } from './services/audit.ts';
import { hashPassword } from './services/passwords.ts';

/**
 * First start on an empty database: one org, one project and an owner to sign in with, from the
 * POSTERN_ADMIN_* / POSTERN_ORG_NAME / POSTERN_PROJECT_NAME settings or defaults. Any later start
 * (a user exists) changes nothing.
 */

export const DEFAULT_ADMIN_EMAIL = 'admin@postern.local';
// Servers starting together on one PostgreSQL take turns; only the first finds the database empty.
const BOOTSTRAP_LOCK_ID = 7_301_946_222;

export type BootstrapResult =
  | { created: false }
  | {
    created: true;
    orgId: string;
    projectId: string;
    adminEmail: string;
    /** Present only when the server generated it: shown once, never stored in clear. */
    generatedPassword: string | undefined;
  };

export async function bootstrap(db: Db, config: Config, now: Date): Promise<BootstrapResult> {
  const settings = config.bootstrap;
  const adminEmail = (settings.adminEmail ?? DEFAULT_ADMIN_EMAIL).toLowerCase();
  const generatedPassword = settings.adminPassword ? undefined : randomBytes(18).toString('base64url');
  const passwordHash = await hashPassword(settings.adminPassword ?? generatedPassword!);
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${BOOTSTRAP_LOCK_ID})`);
    const [anyUser] = await tx.select({ id: users.id }).from(users).limit(1);
    if (anyUser) return { created: false } as const;
    const [admin] = await tx.insert(users).values({ email: adminEmail, displayName: 'Administrator', passwordHash, createdAt: now, updatedAt: now }).returning();
    const [org] = await tx.insert(orgs).values({ name: settings.orgName, createdAt: now, updatedAt: now }).returning();
    await tx.insert(orgMemberships).values({ orgId: org!.id, userId: admin!.id, role: 'owner', createdAt: now });
    const [project] = await tx.insert(projects).values({ orgId: org!.id, name: settings.projectName, createdAt: now, updatedAt: now }).returning();
    await recordAudit(tx, {
      orgId: org!.id, projectId: project!.id, actor: { kind: 'system' }, action: 'system.bootstrap', targetType: 'org', targetId: org!.id,
      details: { adminUserId: admin!.id, adminEmail, projectName: settings.projectName }, at: now,
    });
    return { created: true, orgId: org!.id, projectId: project!.id, adminEmail, generatedPassword } as const;
  });
}

/** What to print after the first start: where the server is and how to sign in. */
export function describeFirstStart(result: BootstrapResult & { created: true }, publicUrl: string): string {
  const password = result.generatedPassword ?? '<the POSTERN_ADMIN_PASSWORD you set>';
  const body = JSON.stringify({ email: result.adminEmail, password });
  return [
    '',
    'Postern is set up. First start: created an org, a project and an owner account.',
    `  URL:       ${publicUrl}`,
    `  email:     ${result.adminEmail}`,
    result.generatedPassword ? `  password:  ${result.generatedPassword}   (shown once; it is stored only as a hash)` : '  password:  the value of POSTERN_ADMIN_PASSWORD',
    `  org id:    ${result.orgId}`,
    `  project:   ${result.projectId}`,
    'Sign in:',
    `  curl -s -X POST ${publicUrl}/api/v1/auth/login -H 'content-type: application/json' -d '${body}'`,
    '',
  ].join('\n');
}
