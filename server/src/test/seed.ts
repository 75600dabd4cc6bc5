import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import {
  orgMemberships, orgs, projectMemberships, projects, users,
  type MachineIdentity, type Org, type OrgRole, type Project, type ProjectRole, type User,
} from '../db/schema/index.ts';
import type { AppDeps } from '../deps.ts';
import { hashPassword, type ScryptParams } from '../services/passwords.ts';
import { createMachineIdentity } from '../services/machine-identities.ts';
import { startTokenFamily, type TokenSubject } from '../services/tokens.ts';

/**
 * Test data written straight to the database (not through the API, so each route's tests depend
 * only on that route). Seeded passwords use cheap scrypt parameters: the hash records them, so the
 * real login route still verifies them.
 */
const CHEAP_SCRYPT: ScryptParams = { N: 1024, r: 8, p: 1 };

export interface SeededUser {
  user: User;
  email: string;
  password: string;
  /** A valid access token for this user. */
  token: string;
}

export interface SeededMachineIdentity {
  identity: MachineIdentity;
  clientId: string;
  clientSecret: string;
  token: string;
}

export interface SeededOrg {
  org: Org;
  owner: SeededUser;
  /** A first project in the org, named "default". */
  project: Project;
}

export interface SeedUserOptions {
  orgId?: string;
  orgRole?: OrgRole;
  projects?: Array<{ projectId: string; role: ProjectRole }>;
  email?: string;
  password?: string;
}

export interface Seeder {
  seedOrg(options?: { name?: string }): Promise<SeededOrg>;
  seedProject(orgId: string, options?: { name?: string; maxSessionDurationSeconds?: number }): Promise<Project>;
  seedUser(options?: SeedUserOptions): Promise<SeededUser>;
  seedMachineIdentity(options: { orgId: string; name?: string; projects?: Array<{ projectId: string; role: ProjectRole }> }): Promise<SeededMachineIdentity>;
  /** Issues an access token (and refresh token) as a login would. */
  issueTokens(subject: TokenSubject): Promise<{ accessToken: string; refreshToken: string }>;
}

const unique = () => randomBytes(5).toString('hex');

export function createSeeder(deps: AppDeps): Seeder {
  const { db } = deps;

  async function issueTokens(subject: TokenSubject) {
    const issued = await startTokenFamily(db, subject, deps.clock(), deps.config, true);
    return { accessToken: issued.accessToken, refreshToken: issued.refreshToken ?? '' };
  }

  async function seedProject(orgId: string, options: { name?: string; maxSessionDurationSeconds?: number } = {}) {
    const [project] = await db.insert(projects).values({ orgId, name: options.name ?? `project-${unique()}`, ...(options.maxSessionDurationSeconds ? { maxSessionDurationSeconds: options.maxSessionDurationSeconds } : {}) }).returning();
    return project!;
  }

  async function seedUser(options: SeedUserOptions = {}): Promise<SeededUser> {
    const email = (options.email ?? `user-${unique()}@example.test`).toLowerCase();
    const password = options.password ?? `pw-${randomBytes(12).toString('base64url')}`;
    const [user] = await db.insert(users).values({ email, passwordHash: await hashPassword(password, CHEAP_SCRYPT) }).returning();
    if (options.orgId) await db.insert(orgMemberships).values({ orgId: options.orgId, userId: user!.id, role: options.orgRole ?? 'member' });
    for (const grant of options.projects ?? []) {
      const [project] = await db.select({ orgId: projects.orgId }).from(projects).where(eq(projects.id, grant.projectId));
      await db.insert(projectMemberships).values({ orgId: project!.orgId, projectId: grant.projectId, userId: user!.id, role: grant.role });
    }
    const { accessToken } = await issueTokens({ userId: user!.id });
    return { user: user!, email, password, token: accessToken };
  }

  async function seedOrg(options: { name?: string } = {}): Promise<SeededOrg> {
    const [org] = await db.insert(orgs).values({ name: options.name ?? `org-${unique()}` }).returning();
    const owner = await seedUser({ orgId: org!.id, orgRole: 'owner' });
    const project = await seedProject(org!.id, { name: 'default' });
    return { org: org!, owner, project };
  }

  async function seedMachineIdentity(options: { orgId: string; name?: string; projects?: Array<{ projectId: string; role: ProjectRole }> }) {
    const { identity, clientSecret } = await createMachineIdentity(db, { kind: 'system' }, options.orgId, options.name ?? `machine-${unique()}`, deps.clock());
    for (const grant of options.projects ?? []) {
      await db.insert(projectMemberships).values({ orgId: options.orgId, projectId: grant.projectId, machineIdentityId: identity.id, role: grant.role });
    }
    const { accessToken } = await issueTokens({ machineIdentityId: identity.id });
    return { identity, clientId: identity.clientId, clientSecret, token: accessToken };
  }

  return { seedOrg, seedProject, seedUser, seedMachineIdentity, issueTokens };
}
