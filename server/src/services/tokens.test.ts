import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { authTokens, tokenFamilies } from '../db/schema/index.ts';
import { useOrgServer, type OrgServer } from '../test/fixtures.ts';
import { authenticateAccessToken, hashToken, pruneExpiredTokens, startTokenFamily } from './tokens.ts';

let f: OrgServer;
useOrgServer((fixture) => { f = fixture; });

const lifetimes = { accessTokenTtlSeconds: 60, refreshTokenTtlSeconds: 3600 };

describe('tokens', () => {
  it('are random, prefixed, and stored only as their SHA-256', async () => {
    const issued = await startTokenFamily(f.server.db, { userId: f.home.owner.user.id }, new Date(), lifetimes, true);
    expect(issued.accessToken).toMatch(/^pat_[A-Za-z0-9_-]{43}$/);
    const rows = await f.server.db.select().from(authTokens).where(eq(authTokens.familyId, issued.familyId));
    expect(rows.map((row) => row.tokenHash).sort()).toEqual([hashToken(issued.accessToken), hashToken(issued.refreshToken!)].sort());
  });

  it('expire at their lifetime, to the millisecond', async () => {
    const now = new Date();
    const issued = await startTokenFamily(f.server.db, { userId: f.home.owner.user.id }, now, lifetimes, false);
    await expect(authenticateAccessToken(f.server.db, issued.accessToken, new Date(now.getTime() + 59_999))).resolves.toMatchObject({ principal: { kind: 'user' } });
    await expect(authenticateAccessToken(f.server.db, issued.accessToken, new Date(now.getTime() + 60_000))).rejects.toMatchObject({ code: 'token_expired' });
  });

  it('pruning removes long-expired tokens and empty sign-ins, and keeps live ones', async () => {
    const longAgo = new Date(Date.now() - 10 * 24 * 3600 * 1000);
    const old = await startTokenFamily(f.server.db, { userId: f.home.owner.user.id }, longAgo, lifetimes, true);
    const live = await startTokenFamily(f.server.db, { userId: f.home.owner.user.id }, new Date(), lifetimes, true);
    const removed = await pruneExpiredTokens(f.server.db, new Date());
    expect(removed.tokens).toBeGreaterThanOrEqual(2);
    expect(await f.server.db.select().from(tokenFamilies).where(eq(tokenFamilies.id, old.familyId))).toEqual([]);
    await expect(authenticateAccessToken(f.server.db, live.accessToken, new Date())).resolves.toMatchObject({ familyId: live.familyId });
  });
});
