import { createRoute } from '@hono/zod-openapi';
import { requireAuth } from '../../http/auth.ts';
import { bearerAuth, errorResponses, type App } from '../../http/openapi.ts';
import { noContent } from '../../http/schemas.ts';
import { logout } from '../../services/auth.ts';
import { authContextOf } from './context.ts';

export const logoutRoute = createRoute({
  method: 'post',
  path: '/api/v1/auth/logout',
  tags: ['auth'],
  summary: 'Sign out: revoke the access and refresh tokens of this sign-in',
  middleware: [requireAuth] as const,
  security: bearerAuth,
  responses: { 204: noContent, ...errorResponses(401) },
});

export function register(app: App): void {
  app.openapi(logoutRoute, async (c) => {
    await logout(authContextOf(c), c.var.principal, c.var.tokenFamilyId);
    return c.body(null, 204);
  });
}
