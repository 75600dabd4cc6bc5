import type { Context } from 'hono';
import type { AppEnv } from '../../deps.ts';
import type { AuthContext } from '../../services/auth.ts';
import type { IssuedTokens } from '../../services/tokens.ts';
import { Timestamp, iso, z } from '../../http/schemas.ts';

export function authContextOf(c: Context<AppEnv>): AuthContext {
  const { db, clock, config } = c.var.deps;
  return { db, now: clock(), lifetimes: config, throttle: c.var.loginThrottle };
}

export const TokenPairResponse = z.object({
  tokenType: z.literal('Bearer'),
  accessToken: z.string().openapi({ description: 'Send as "Authorization: Bearer <accessToken>"' }),
  accessTokenExpiresAt: Timestamp,
  refreshToken: z.string().openapi({ description: 'Single use: exchange at POST /api/v1/auth/refresh' }),
  refreshTokenExpiresAt: Timestamp,
}).openapi('TokenPair');

export function tokenPairBody(issued: IssuedTokens) {
  return {
    tokenType: 'Bearer' as const,
    accessToken: issued.accessToken,
    accessTokenExpiresAt: iso(issued.accessTokenExpiresAt),
    refreshToken: issued.refreshToken ?? '',
    refreshTokenExpiresAt: iso(issued.refreshTokenExpiresAt ?? issued.accessTokenExpiresAt),
  };
}
