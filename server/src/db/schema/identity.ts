import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

/**
 * Who exists and what they may do: orgs, users, org and project memberships, machine identities,
 * and the hashed tokens they sign in with. Every table that belongs to a tenant carries `org_id`
 * so queries can always scope by it.
 */

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();

export const ORG_ROLES = ['owner', 'admin', 'member'] as const;
export type OrgRole = (typeof ORG_ROLES)[number];

export const PROJECT_ROLES = ['admin', 'member', 'auditor'] as const;
export type ProjectRole = (typeof PROJECT_ROLES)[number];

/**
 * Org names are not unique: a "name taken" answer would tell anyone which other orgs exist.
 * Orgs are addressed by id.
 */
export const orgs = pgTable('orgs', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const users = pgTable('users', {
  id: uuid('id').primaryKey().defaultRandom(),
  /** Stored lower-cased, so uniqueness ignores case. */
  email: text('email').notNull(),
  displayName: text('display_name'),
  /** `scrypt$N$r$p$<salt b64>$<hash b64>`: the parameters travel with the hash. */
  passwordHash: text('password_hash').notNull(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (t) => [uniqueIndex('users_email_unique').on(t.email)]);

export const orgMemberships = pgTable('org_memberships', {
  id: uuid('id').primaryKey().defaultRandom(),
  orgId: uuid('org_id').notNull().references(() => orgs.id, { onDelete: 'cascade' }),
  userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  role: text('role', { enum: ORG_ROLES }).notNull(),
  createdAt: createdAt(),
}, (t) => [
  uniqueIndex('org_memberships_org_user_unique').on(t.orgId, t.userId),
  index('org_memberships_user_idx').on(t.userId),
]);

export const projects = pgTable('projects', {
  id: uuid('id').primaryKey().defaultRandom(),
  orgId: uuid('org_id').notNull().references(() => orgs.id, { onDelete: 'cascade' }),
  name: text('name').notNull(),
  description: text('description').notNull().default(''),
  maxSessionDurationSeconds: integer('max_session_duration_seconds').notNull().default(8 * 60 * 60),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (t) => [
  uniqueIndex('projects_org_name_unique').on(t.orgId, t.name),
  check('projects_max_session_duration_positive', sql`${t.maxSessionDurationSeconds} > 0`),
]);

export const machineIdentities = pgTable('machine_identities', {
  id: uuid('id').primaryKey().defaultRandom(),
  orgId: uuid('org_id').notNull().references(() => orgs.id, { onDelete: 'cascade' }),
  name: text('name').notNull(),
  /** Public half of the credential; shown in lists. */
  clientId: text('client_id').notNull(),
  /** SHA-256 of the secret: the secret is 32 random bytes, so a slow hash adds nothing. */
  clientSecretHash: text('client_secret_hash').notNull(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (t) => [
  uniqueIndex('machine_identities_org_name_unique').on(t.orgId, t.name),
  uniqueIndex('machine_identities_client_id_unique').on(t.clientId),
]);

export const projectMemberships = pgTable('project_memberships', {
  id: uuid('id').primaryKey().defaultRandom(),
  orgId: uuid('org_id').notNull().references(() => orgs.id, { onDelete: 'cascade' }),
  projectId: uuid('project_id').notNull().references(() => projects.id, { onDelete: 'cascade' }),
  userId: uuid('user_id').references(() => users.id, { onDelete: 'cascade' }),
  machineIdentityId: uuid('machine_identity_id').references(() => machineIdentities.id, { onDelete: 'cascade' }),
  role: text('role', { enum: PROJECT_ROLES }).notNull(),
  createdAt: createdAt(),
}, (t) => [
  uniqueIndex('project_memberships_project_user_unique').on(t.projectId, t.userId),
  uniqueIndex('project_memberships_project_machine_unique').on(t.projectId, t.machineIdentityId),
  index('project_memberships_user_idx').on(t.userId),
  check('project_memberships_one_member', sql`(${t.userId} is null) <> (${t.machineIdentityId} is null)`),
]);

/**
 * One sign-in: every access and refresh token issued from it belongs to it, so logout, refresh
 * re-use, or rotating a machine secret revokes them all at once by setting `revoked_at`.
 */
export const tokenFamilies = pgTable('token_families', {
  id: uuid('id').primaryKey().defaultRandom(),
  userId: uuid('user_id').references(() => users.id, { onDelete: 'cascade' }),
  machineIdentityId: uuid('machine_identity_id').references(() => machineIdentities.id, { onDelete: 'cascade' }),
  createdAt: createdAt(),
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
  revokedReason: text('revoked_reason'),
}, (t) => [
  index('token_families_user_idx').on(t.userId),
  index('token_families_machine_idx').on(t.machineIdentityId),
  check('token_families_one_subject', sql`(${t.userId} is null) <> (${t.machineIdentityId} is null)`),
]);

export const TOKEN_KINDS = ['access', 'refresh'] as const;
export type TokenKind = (typeof TOKEN_KINDS)[number];

/** Tokens are stored only as SHA-256 hashes of the random value handed out. */
export const authTokens = pgTable('auth_tokens', {
  id: uuid('id').primaryKey().defaultRandom(),
  familyId: uuid('family_id').notNull().references(() => tokenFamilies.id, { onDelete: 'cascade' }),
  kind: text('kind', { enum: TOKEN_KINDS }).notNull(),
  tokenHash: text('token_hash').notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  /** Set when a refresh token is exchanged; presenting it again revokes the family. */
  usedAt: timestamp('used_at', { withTimezone: true }),
  createdAt: createdAt(),
}, (t) => [
  uniqueIndex('auth_tokens_hash_unique').on(t.tokenHash),
  index('auth_tokens_family_idx').on(t.familyId),
]);

export type Org = typeof orgs.$inferSelect;
export type User = typeof users.$inferSelect;
export type Project = typeof projects.$inferSelect;
export type MachineIdentity = typeof machineIdentities.$inferSelect;
export type ProjectMembership = typeof projectMemberships.$inferSelect;
