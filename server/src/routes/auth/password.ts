import { createRoute } from '@hono/zod-openapi';
import { ForbiddenError } from '@postern/shared/errors';
import { requireAuth } from '../../http/auth.ts';
import { bearerAuth, errorResponses, jsonBody, type App } from '../../http/openapi.ts';
import { PasswordSchema, noContent, z } from '../../http/schemas.ts';
import { changePassword } from '../../services/auth.ts';
import { authContextOf } from './context.ts';

export const ChangePasswordRequest = z.object({
  currentPassword: z.string().min(1).max(1024),
  newPassword: PasswordSchema,
}).openapi('ChangePasswordRequest');

export const changePasswordRoute = createRoute({
  method: 'post',
  path: '/api/v1/auth/password',
  tags: ['auth'],
  summary: 'Change your own password; every other sign-in of yours is signed out',
  middleware: [requireAuth] as const,
  security: bearerAuth,
  request: { body: jsonBody(ChangePasswordRequest) },
  responses: { 204: noContent, ...errorResponses(400, 401, 403, 413, 422, 429) },
});

export function register(app: App): void {
  app.openapi(changePasswordRoute, async (c) => {
    const principal = c.var.principal;
    if (principal.kind !== 'user') throw new ForbiddenError('Machine identities have no password: rotate the client secret instead.');
    const { currentPassword, newPassword } = c.req.valid('json');
    await changePassword(authContextOf(c), principal, c.var.tokenFamilyId, currentPassword, newPassword);
    return c.body(null, 204);
  });
}
