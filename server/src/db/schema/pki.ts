import { sql } from 'drizzle-orm';
import { check, index, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { machineIdentities, orgs, projects, users } from './identity.ts';
import { accounts, gateways, resources } from './pam.ts';

/**
 * The server's certificate authorities, the relays, which relay each gateway uses, and the
 * sessions certificates are issued for (see docs/architecture.md "PKI on the server").
 */

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

export const CA_SCOPES = ['instance', 'org', 'resource'] as const;
export type CaScope = (typeof CA_SCOPES)[number];

export const CA_KINDS = [
  'relay-ssh-client', 'relay-ssh-server', 'relay-pki-client', 'relay-pki-server',
  'gateway-server', 'gateway-client', 'resource-ssh-user',
] as const;
export type StoredCaKind = (typeof CA_KINDS)[number];

/**
 * One row per CA. `scope_key` is `instance`, `org:<id>` or `resource:<id>`: with the kind it is
 * unique, so two servers creating the same CA at once end with one row (insert … on conflict do
 * nothing, then read). The private key is only ever stored sealed by the vault, bound to the row id.
 */
export const certificateAuthorities = pgTable('certificate_authorities', {
  id: uuid('id').primaryKey(),
  scope: text('scope', { enum: CA_SCOPES }).notNull(),
  scopeKey: text('scope_key').notNull(),
  kind: text('kind', { enum: CA_KINDS }).notNull(),
  orgId: uuid('org_id').references(() => orgs.id, { onDelete: 'cascade' }),
  resourceId: uuid('resource_id').references(() => resources.id, { onDelete: 'cascade' }),
  /** X.509 CAs: the self-signed CA certificate (PEM). */
  certificatePem: text('certificate_pem'),
  /** SSH CAs: the `ssh-ed25519 AAAA…` line. */
  publicKey: text('public_key'),
  privateKeyCiphertext: text('private_key_ciphertext').notNull(),
  notAfter: timestamp('not_after', { withTimezone: true }),
  createdAt: createdAt(),
}, (t) => [
  uniqueIndex('certificate_authorities_scope_kind_unique').on(t.scopeKey, t.kind),
  check('certificate_authorities_has_public_part', sql`(${t.certificatePem} is null) <> (${t.publicKey} is null)`),
  check('certificate_authorities_scope_ids', sql`(${t.scope} = 'instance' and ${t.orgId} is null)
    or (${t.scope} = 'org' and ${t.orgId} is not null and ${t.resourceId} is null)
    or (${t.scope} = 'resource' and ${t.orgId} is not null and ${t.resourceId} is not null)`),
]);

export const RELAY_SCOPES = ['instance', 'org'] as const;
export type RelayScope = (typeof RELAY_SCOPES)[number];

/** A relay: instance-level (managed, enrolled with the instance token) or an org's own. */
export const relays = pgTable('relays', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  scope: text('scope', { enum: RELAY_SCOPES }).notNull(),
  orgId: uuid('org_id').references(() => orgs.id, { onDelete: 'cascade' }),
  /** The org machine identity a customer relay enrolled with; only it may renew. */
  machineIdentityId: uuid('machine_identity_id').references(() => machineIdentities.id, { onDelete: 'set null' }),
  /** host:port where clients reach the relay's TLS listener. */
  clientTlsAddress: text('client_tls_address').notNull(),
  /** host:port where gateways open their SSH reverse tunnel. */
  gatewaySshAddress: text('gateway_ssh_address').notNull(),
  enrolledAt: timestamp('enrolled_at', { withTimezone: true }).notNull(),
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
  createdAt: createdAt(),
}, (t) => [
  uniqueIndex('relays_scope_name_unique').on(sql`coalesce(${t.orgId}::text, 'instance')`, t.name),
  check('relays_scope_org', sql`(${t.scope} = 'instance') = (${t.orgId} is null)`),
]);

/** A gateway's enrollment: which relay it uses, when it last got certificates, whether it is revoked. */
export const gatewayEnrollments = pgTable('gateway_enrollments', {
  gatewayId: uuid('gateway_id').primaryKey().references(() => gateways.id, { onDelete: 'cascade' }),
  orgId: uuid('org_id').notNull().references(() => orgs.id, { onDelete: 'cascade' }),
  relayId: uuid('relay_id').references(() => relays.id, { onDelete: 'set null' }),
  sshPublicKeyFingerprint: text('ssh_public_key_fingerprint'),
  enrolledAt: timestamp('enrolled_at', { withTimezone: true }),
  certificatesExpireAt: timestamp('certificates_expire_at', { withTimezone: true }),
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
  createdAt: createdAt(),
}, (t) => [index('gateway_enrollments_org_idx').on(t.orgId)]);

export const SESSION_STATUSES = ['active', 'ended', 'terminated'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

/** One access session: who reached which account of which resource, through which gateway and relay, until when. */
export const pamSessions = pgTable('pam_sessions', {
  id: uuid('id').primaryKey(),
  orgId: uuid('org_id').notNull().references(() => orgs.id, { onDelete: 'cascade' }),
  projectId: uuid('project_id').notNull().references(() => projects.id, { onDelete: 'cascade' }),
  // Plain ids with set-null/keep semantics would lose history; sessions outlive deleted resources as records.
  resourceId: uuid('resource_id').references(() => resources.id, { onDelete: 'set null' }),
  accountId: uuid('account_id').references(() => accounts.id, { onDelete: 'set null' }),
  userId: uuid('user_id').references(() => users.id, { onDelete: 'set null' }),
  gatewayId: uuid('gateway_id').references(() => gateways.id, { onDelete: 'set null' }),
  relayId: uuid('relay_id').references(() => relays.id, { onDelete: 'set null' }),
  status: text('status', { enum: SESSION_STATUSES }).notNull().default('active'),
  startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  endedAt: timestamp('ended_at', { withTimezone: true }),
  terminatedAt: timestamp('terminated_at', { withTimezone: true }),
}, (t) => [
  index('pam_sessions_org_started_idx').on(t.orgId, t.startedAt),
  index('pam_sessions_gateway_idx').on(t.gatewayId),
  check('pam_sessions_expires_after_start', sql`${t.expiresAt} > ${t.startedAt}`),
]);

export type CertificateAuthorityRow = typeof certificateAuthorities.$inferSelect;
export type RelayRow = typeof relays.$inferSelect;
export type GatewayEnrollmentRow = typeof gatewayEnrollments.$inferSelect;
export type PamSessionRow = typeof pamSessions.$inferSelect;
