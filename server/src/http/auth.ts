import { createMiddleware } from 'hono/factory';
import type { Context } from 'hono';
import { UnauthenticatedError } from '@postern/shared/errors';
import type { AppEnv } from '../deps.ts';
import { authenticateAccessToken } from '../services/tokens.ts';
import type { Principal } from './principal.ts';

export type { Principal };

const BEARER = /^Bearer ([A-Za-z0-9_\-.~+/]+=*)$/;

/** Reads `Authorization: Bearer <token>`; sets `c.var.principal` and `c.var.tokenFamilyId`, or answers 401. */
export const requireAuth = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header('authorization');
  if (!header) throw new UnauthenticatedError();
  const token = BEARER.exec(header.trim())?.[1];
  if (!token) throw new UnauthenticatedError('The Authorization header must be "Bearer <access token>".');
  const { deps } = c.var;
  const { principal, familyId } = await authenticateAccessToken(deps.db, token, deps.clock());
  c.set('principal', principal);
  c.set('tokenFamilyId', familyId);
  await next();
});

/** The caller, for handlers behind requireAuth; throws 401 if a route forgot the middleware. */
export function principalOf(c: Context<AppEnv>): Principal {
  const principal = c.get('principal') as Principal | undefined;
  if (!principal) throw new UnauthenticatedError();
  return principal;
}
