import { createHash, timingSafeEqual } from 'node:crypto';
import { and, eq, isNull, ne } from 'drizzle-orm';
import { InvalidCredentialsError, TokenExpiredError, UnauthenticatedError, UnprocessableError } from '@postern/shared/errors';
import type { Db, DbOrTx } from '../db/client.ts';
import { authTokens, machineIdentities, orgMemberships, tokenFamilies, users } from '../db/schema/index.ts';
import { recordAudit, type AuditActor } from './audit.ts';
import type { LoginThrottle } from './login-throttle.ts';
import { burnPasswordCheck, hashPassword, verifyPassword } from './passwords.ts';
import { hashToken, issueIntoFamily, revokeFamily, startTokenFamily, type IssuedTokens, type TokenLifetimes } from './tokens.ts';

/**
 * Sign-in, refresh rotation and sign-out. Every attempt is audited; a failure gives one answer
 * whatever went wrong, and the audit row (not the response) says which.
 */

export interface AuthContext {
  db: Db;
  now: Date;
  lifetimes: TokenLifetimes;
  /** Absent in callers that sign nobody in from the network (bootstrap, scripts). */
  throttle?: LoginThrottle | undefined;
}

/** Refuses a locked-out key before any password work, auditing the refusal. */
async function assertNotThrottled(ctx: AuthContext, key: string, audit: () => Promise<void>): Promise<void> {
  try {
    ctx.throttle?.assertAllowed(key);
  } catch (error) {
    await audit();
    throw error;
  }
}

export async function userOrgIds(db: DbOrTx, userId: string): Promise<string[]> {
  const rows = await db.select({ orgId: orgMemberships.orgId }).from(orgMemberships).where(eq(orgMemberships.userId, userId));
  return rows.map((row) => row.orgId);
}

/** One audit row per org the user belongs to (so each org's admins see it), or one org-less row. */
async function auditForUser(tx: DbOrTx, userId: string | null, event: { actor: AuditActor; action: string; details?: Record<string, unknown>; at: Date }) {
  const orgIds = userId ? await userOrgIds(tx, userId) : [];
  for (const orgId of orgIds.length ? orgIds : [null]) {
    await recordAudit(tx, { orgId, actor: event.actor, action: event.action, targetType: 'user', targetId: userId, details: event.details ?? {}, at: event.at });
  }
}

export async function loginWithPassword(ctx: AuthContext, email: string, password: string): Promise<IssuedTokens & { user: { id: string; email: string } }> {
  const [user] = await ctx.db.select().from(users).where(eq(users.email, email)).limit(1);
  const auditFailure = (reason: string) => auditForUser(ctx.db, user?.id ?? null, {
    actor: { kind: 'anonymous', label: email }, action: 'auth.login.failed', at: ctx.now, details: { reason },
  });
  const throttleKey = `user:${email}`;
  await assertNotThrottled(ctx, throttleKey, () => auditFailure('throttled'));
  const ok = user ? await verifyPassword(password, user.passwordHash) : await burnPasswordCheck(password);
  if (!user || !ok) {
    ctx.throttle?.recordFailure(throttleKey);
    await auditFailure(user ? 'wrong_password' : 'unknown_email');
    throw new InvalidCredentialsError();
  }
  ctx.throttle?.recordSuccess(throttleKey);
  return ctx.db.transaction(async (tx) => {
    const issued = await startTokenFamily(tx, { userId: user.id }, ctx.now, ctx.lifetimes, true);
    await auditForUser(tx, user.id, { actor: { kind: 'user', userId: user.id, email: user.email }, action: 'auth.login', at: ctx.now, details: { familyId: issued.familyId } });
    return { ...issued, user: { id: user.id, email: user.email } };
  });
}

const invalidRefresh = () => new UnauthenticatedError('The refresh token is not valid or has been revoked: sign in again with POST /api/v1/auth/login.');

/**
 * Exchanges a refresh token for a new pair. A refresh token works once: presenting a spent one
 * means it was copied, so the whole sign-in (every token of its family) is revoked.
 */
export async function refreshTokens(ctx: AuthContext, refreshToken: string): Promise<IssuedTokens> {
  const [row] = await ctx.db.select({ token: authTokens, family: tokenFamilies }).from(authTokens)
    .innerJoin(tokenFamilies, eq(tokenFamilies.id, authTokens.familyId))
    .where(and(eq(authTokens.tokenHash, hashToken(refreshToken)), eq(authTokens.kind, 'refresh'))).limit(1);
  if (!row || row.family.revokedAt || !row.family.userId) throw invalidRefresh();
  const { token, family } = row;
  const userId = family.userId!;
  if (token.expiresAt.getTime() <= ctx.now.getTime()) throw new TokenExpiredError('The refresh token has expired: sign in again with POST /api/v1/auth/login.');
  const outcome = await ctx.db.transaction(async (tx) => {
    const spent = await tx.update(authTokens).set({ usedAt: ctx.now })
      .where(and(eq(authTokens.id, token.id), isNull(authTokens.usedAt))).returning({ id: authTokens.id });
    if (spent.length === 0) return 'reused' as const;
    const issued = await issueIntoFamily(tx, family.id, ctx.now, ctx.lifetimes, true);
    await auditForUser(tx, userId, { actor: { kind: 'system' }, action: 'auth.refresh', at: ctx.now, details: { familyId: family.id } });
    return issued;
  });
  if (outcome !== 'reused') return outcome;
  await ctx.db.transaction(async (tx) => {
    await revokeFamily(tx, family.id, ctx.now, 'refresh_token_reused');
    await auditForUser(tx, userId, { actor: { kind: 'anonymous', label: 'holder of a spent refresh token' }, action: 'auth.refresh.reused', at: ctx.now, details: { familyId: family.id } });
  });
  throw invalidRefresh();
}

export async function logout(ctx: AuthContext, actor: AuditActor & ({ kind: 'user' } | { kind: 'machine' }), familyId: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    await revokeFamily(tx, familyId, ctx.now, 'logout');
    if (actor.kind === 'user') await auditForUser(tx, actor.userId, { actor, action: 'auth.logout', at: ctx.now, details: { familyId } });
    else await recordAudit(tx, { orgId: actor.orgId, actor, action: 'auth.logout', targetType: 'machine_identity', targetId: actor.identityId, at: ctx.now, details: { familyId } });
  });
}

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** Client id + secret → an access token (no refresh token: the machine signs in again). */
export async function loginMachineIdentity(ctx: AuthContext, clientId: string, clientSecret: string): Promise<IssuedTokens & { identity: { id: string; orgId: string; name: string } }> {
  const [identity] = await ctx.db.select().from(machineIdentities).where(eq(machineIdentities.clientId, clientId)).limit(1);
  const auditFailure = (reason: string) => recordAudit(ctx.db, {
    orgId: identity?.orgId ?? null, actor: { kind: 'anonymous', label: `client ${clientId.slice(0, 64)}` }, action: 'auth.machine_login.failed',
    targetType: 'machine_identity', targetId: identity?.id ?? null, at: ctx.now, details: { reason },
  });
  const throttleKey = `machine:${clientId}`;
  await assertNotThrottled(ctx, throttleKey, () => auditFailure('throttled'));
  const presented = sha256(clientSecret);
  const expected = identity ? Buffer.from(identity.clientSecretHash, 'hex') : sha256(`absent:${clientId}`);
  const ok = identity !== undefined && expected.length === presented.length && timingSafeEqual(expected, presented);
  if (!identity || !ok) {
    ctx.throttle?.recordFailure(throttleKey);
    await auditFailure(identity ? 'wrong_secret' : 'unknown_client_id');
    throw new InvalidCredentialsError('The client id or client secret is wrong (or the identity was deleted); check both, or rotate the secret.');
  }
  ctx.throttle?.recordSuccess(throttleKey);
  return ctx.db.transaction(async (tx) => {
    const issued = await startTokenFamily(tx, { machineIdentityId: identity.id }, ctx.now, ctx.lifetimes, false);
    await recordAudit(tx, {
      orgId: identity.orgId, actor: { kind: 'machine', identityId: identity.id, orgId: identity.orgId }, action: 'auth.machine_login',
      targetType: 'machine_identity', targetId: identity.id, at: ctx.now, details: { familyId: issued.familyId },
    });
    return { ...issued, identity: { id: identity.id, orgId: identity.orgId, name: identity.name } };
  });
}

/**
 * Changes the caller's own password after checking the current one, and signs out every other
 * sign-in of the user (the one making the change stays).
 */
export async function changePassword(ctx: AuthContext, actor: { userId: string; email: string }, keepFamilyId: string, currentPassword: string, newPassword: string): Promise<void> {
  const [user] = await ctx.db.select().from(users).where(eq(users.id, actor.userId)).limit(1);
  // A stolen access token must not become a password oracle: wrong guesses count like failed logins.
  const throttleKey = `user:${actor.email}`;
  const auditFailure = (reason: string) => auditForUser(ctx.db, actor.userId, { actor: { kind: 'user', ...actor }, action: 'auth.password_change.failed', at: ctx.now, details: { reason } });
  await assertNotThrottled(ctx, throttleKey, () => auditFailure('throttled'));
  if (!user || !(await verifyPassword(currentPassword, user.passwordHash))) {
    ctx.throttle?.recordFailure(throttleKey);
    await auditFailure('wrong_password');
    throw new UnprocessableError('current_password_wrong', 'The current password is wrong; nothing was changed.');
  }
  const passwordHash = await hashPassword(newPassword);
  await ctx.db.transaction(async (tx) => {
    await tx.update(users).set({ passwordHash, updatedAt: ctx.now }).where(eq(users.id, user.id));
    await tx.update(tokenFamilies).set({ revokedAt: ctx.now, revokedReason: 'password_changed' })
      .where(and(eq(tokenFamilies.userId, user.id), isNull(tokenFamilies.revokedAt), ne(tokenFamilies.id, keepFamilyId)));
    await auditForUser(tx, user.id, { actor: { kind: 'user', ...actor }, action: 'auth.password_change', at: ctx.now });
  });
}
