import { createHash, randomBytes } from 'node:crypto';
import { and, eq, isNull, lt, notExists, sql } from 'drizzle-orm';
import { TokenExpiredError, UnauthenticatedError } from '@postern/shared/errors';
import type { DbOrTx } from '../db/client.ts';
import { authTokens, machineIdentities, tokenFamilies, users } from '../db/schema/index.ts';
import type { Principal } from '../http/principal.ts';

/**
 * Opaque bearer tokens: 32 random bytes, handed out once, stored only as SHA-256 hashes. The
 * prefix names the kind so a leaked token is recognisable (and secret scanners can match it).
 */
export const TOKEN_PREFIX = { access: 'pat_', refresh: 'prt_', clientSecret: 'pcs_' } as const;

export function generateToken(prefix: string): string {
  return prefix + randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export type TokenSubject = { userId: string } | { machineIdentityId: string };

export interface IssuedTokens {
  familyId: string;
  accessToken: string;
  accessTokenExpiresAt: Date;
  refreshToken?: string;
  refreshTokenExpiresAt?: Date;
}

export interface TokenLifetimes {
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
}

const addSeconds = (date: Date, seconds: number) => new Date(date.getTime() + seconds * 1000);

/** Starts a new sign-in (token family) and issues its first access token, plus a refresh token if asked. */
export async function startTokenFamily(tx: DbOrTx, subject: TokenSubject, now: Date, lifetimes: TokenLifetimes, withRefresh: boolean): Promise<IssuedTokens> {
  const [family] = await tx.insert(tokenFamilies).values({ ...subject, createdAt: now }).returning({ id: tokenFamilies.id });
  if (!family) throw new Error('token family insert returned no row');
  return issueIntoFamily(tx, family.id, now, lifetimes, withRefresh);
}

/** Issues fresh tokens into an existing family (used by refresh rotation). */
export async function issueIntoFamily(tx: DbOrTx, familyId: string, now: Date, lifetimes: TokenLifetimes, withRefresh: boolean): Promise<IssuedTokens> {
  const accessToken = generateToken(TOKEN_PREFIX.access);
  const accessTokenExpiresAt = addSeconds(now, lifetimes.accessTokenTtlSeconds);
  const rows: (typeof authTokens.$inferInsert)[] = [{ familyId, kind: 'access', tokenHash: hashToken(accessToken), expiresAt: accessTokenExpiresAt, createdAt: now }];
  const issued: IssuedTokens = { familyId, accessToken, accessTokenExpiresAt };
  if (withRefresh) {
    issued.refreshToken = generateToken(TOKEN_PREFIX.refresh);
    issued.refreshTokenExpiresAt = addSeconds(now, lifetimes.refreshTokenTtlSeconds);
    rows.push({ familyId, kind: 'refresh', tokenHash: hashToken(issued.refreshToken), expiresAt: issued.refreshTokenExpiresAt, createdAt: now });
  }
  await tx.insert(authTokens).values(rows);
  return issued;
}

export async function revokeFamily(tx: DbOrTx, familyId: string, now: Date, reason: string): Promise<void> {
  await tx.update(tokenFamilies).set({ revokedAt: now, revokedReason: reason })
    .where(and(eq(tokenFamilies.id, familyId), isNull(tokenFamilies.revokedAt)));
}

/** Revokes every live sign-in of a machine identity (secret rotated or identity deleted). */
export async function revokeMachineIdentityTokens(tx: DbOrTx, machineIdentityId: string, now: Date, reason: string): Promise<void> {
  await tx.update(tokenFamilies).set({ revokedAt: now, revokedReason: reason })
    .where(and(eq(tokenFamilies.machineIdentityId, machineIdentityId), isNull(tokenFamilies.revokedAt)));
}

export interface AuthenticatedAccess {
  principal: Principal;
  familyId: string;
}

/** Resolves a bearer access token to its principal, or throws 401 (unknown, revoked, expired). */
export async function authenticateAccessToken(db: DbOrTx, token: string, now: Date): Promise<AuthenticatedAccess> {
  const [row] = await db
    .select({
      expiresAt: authTokens.expiresAt,
      familyId: tokenFamilies.id,
      revokedAt: tokenFamilies.revokedAt,
      userId: users.id,
      email: users.email,
      machineIdentityId: machineIdentities.id,
      machineOrgId: machineIdentities.orgId,
    })
    .from(authTokens)
    .innerJoin(tokenFamilies, eq(tokenFamilies.id, authTokens.familyId))
    .leftJoin(users, eq(users.id, tokenFamilies.userId))
    .leftJoin(machineIdentities, eq(machineIdentities.id, tokenFamilies.machineIdentityId))
    .where(and(eq(authTokens.tokenHash, hashToken(token)), eq(authTokens.kind, 'access')))
    .limit(1);
  if (!row || row.revokedAt) throw new UnauthenticatedError('The access token is not valid or has been revoked: sign in again with POST /api/v1/auth/login.');
  if (row.expiresAt.getTime() <= now.getTime()) throw new TokenExpiredError();
  if (row.userId && row.email) return { familyId: row.familyId, principal: { kind: 'user', userId: row.userId, email: row.email } };
  if (row.machineIdentityId && row.machineOrgId) {
    return { familyId: row.familyId, principal: { kind: 'machine', identityId: row.machineIdentityId, orgId: row.machineOrgId } };
  }
  throw new UnauthenticatedError();
}

/**
 * Deletes tokens that expired more than `graceSeconds` ago, then sign-ins left with no token.
 * A spent refresh token is kept until it expires, so re-use is still detected while it could work.
 */
export async function pruneExpiredTokens(db: DbOrTx, now: Date, graceSeconds = 24 * 60 * 60): Promise<{ tokens: number; families: number }> {
  const cutoff = new Date(now.getTime() - graceSeconds * 1000);
  const tokens = await db.delete(authTokens).where(lt(authTokens.expiresAt, cutoff)).returning({ id: authTokens.id });
  const families = await db.delete(tokenFamilies)
    .where(notExists(db.select({ one: sql`1` }).from(authTokens).where(eq(authTokens.familyId, tokenFamilies.id))))
    .returning({ id: tokenFamilies.id });
  return { tokens: tokens.length, families: families.length };
}
