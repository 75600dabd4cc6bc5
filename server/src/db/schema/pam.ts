import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, text, timestamp, uniqueIndex, uuid, boolean } from 'drizzle-orm/pg-core';
import { machineIdentities, orgs, projects } from './identity.ts';

/**
 * What can be reached and with which credentials: the org's data key for the vault, gateways,
 * resources (SSH servers, Kubernetes clusters) and the accounts used to log in to them.
 * Secrets are stored only as vault ciphertexts bound to their row and field.
 */

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();

/** The org's data key, wrapped by the server's root key (see services/vault.ts). */
export const orgKeys = pgTable('org_keys', {
  orgId: uuid('org_id').primaryKey().references(() => orgs.id, { onDelete: 'cascade' }),
  wrappedKey: text('wrapped_key').notNull(),
  createdAt: createdAt(),
});

export const gateways = pgTable('gateways', {
  id: uuid('id').primaryKey().defaultRandom(),
  orgId: uuid('org_id').notNull().references(() => orgs.id, { onDelete: 'cascade' }),
  name: text('name').notNull(),
  description: text('description').notNull().default(''),
  /** The machine identity this gateway enrolls with; deleting the identity leaves the gateway unable to enroll. */
  machineIdentityId: uuid('machine_identity_id').references(() => machineIdentities.id, { onDelete: 'set null' }),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (t) => [uniqueIndex('gateways_org_name_unique').on(t.orgId, t.name)]);

export const RESOURCE_TYPES = ['ssh', 'kubernetes'] as const;

export const resources = pgTable('resources', {
  id: uuid('id').primaryKey().defaultRandom(),
  orgId: uuid('org_id').notNull().references(() => orgs.id, { onDelete: 'cascade' }),
  projectId: uuid('project_id').notNull().references(() => projects.id, { onDelete: 'cascade' }),
  type: text('type', { enum: RESOURCE_TYPES }).notNull(),
  name: text('name').notNull(),
  description: text('description').notNull().default(''),
  gatewayId: uuid('gateway_id').notNull().references(() => gateways.id, { onDelete: 'restrict' }),
  host: text('host'),
  port: integer('port'),
  url: text('url'),
  tlsVerify: boolean('tls_verify'),
  caCertificate: text('ca_certificate'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (t) => [
  uniqueIndex('resources_project_name_unique').on(t.projectId, t.name),
  index('resources_gateway_idx').on(t.gatewayId),
  check(
    'resources_fields_match_type',
    sql`(${t.type} = 'ssh' and ${t.host} is not null and ${t.port} between 1 and 65535 and ${t.url} is null)
     or (${t.type} = 'kubernetes' and ${t.url} is not null and ${t.tlsVerify} is not null and ${t.host} is null)`,
  ),
]);

export const ACCOUNT_TYPES = ['ssh-password', 'ssh-key', 'ssh-certificate', 'kubernetes-token'] as const;

export const accounts = pgTable('accounts', {
  id: uuid('id').primaryKey().defaultRandom(),
  orgId: uuid('org_id').notNull().references(() => orgs.id, { onDelete: 'cascade' }),
  projectId: uuid('project_id').notNull().references(() => projects.id, { onDelete: 'cascade' }),
  resourceId: uuid('resource_id').notNull().references(() => resources.id, { onDelete: 'cascade' }),
  type: text('type', { enum: ACCOUNT_TYPES }).notNull(),
  name: text('name').notNull(),
  description: text('description').notNull().default(''),
  username: text('username'),
  /** Vault ciphertext of the credential JSON, bound to `account:<id>:credential`; null for certificate accounts. */
  secretCiphertext: text('secret_ciphertext'),
  publicKey: text('public_key'),
  publicKeyFingerprint: text('public_key_fingerprint'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (t) => [
  uniqueIndex('accounts_resource_name_unique').on(t.resourceId, t.name),
  index('accounts_project_idx').on(t.projectId),
  check('accounts_secret_matches_type', sql`(${t.type} = 'ssh-certificate') = (${t.secretCiphertext} is null)`),
]);

export type GatewayRow = typeof gateways.$inferSelect;
export type ResourceRow = typeof resources.$inferSelect;
export type AccountRow = typeof accounts.$inferSelect;
