import { createRoute } from '@hono/zod-openapi';
import { errorResponses, jsonBody, jsonResponse, type App } from '../../http/openapi.ts';
import { EmailSchema, z } from '../../http/schemas.ts';
import { loginWithPassword } from '../../services/auth.ts';
import { TokenPairResponse, authContextOf, tokenPairBody } from './context.ts';

export const LoginRequest = z.object({
  email: EmailSchema,
  // Not the password policy: an old password that predates the policy must still sign in.
  password: z.string().min(1).max(1024),
}).openapi('LoginRequest');

export const LoginResponse = TokenPairResponse.extend({
  user: z.object({ id: z.uuid(), email: z.string() }),
}).openapi('LoginResponse');

export const loginRoute = createRoute({
  method: 'post',
  path: '/api/v1/auth/login',
  tags: ['auth'],
  summary: 'Sign in with email and password',
  description: 'Returns a short-lived access token and a single-use refresh token. Unknown email and wrong password get the same 401 `invalid_credentials`; both are audited.',
  request: { body: jsonBody(LoginRequest) },
  responses: { 200: jsonResponse(LoginResponse, 'Signed in'), ...errorResponses(400, 401, 413, 429) },
});

export function register(app: App): void {
  app.openapi(loginRoute, async (c) => {
    const { email, password } = c.req.valid('json');
    const issued = await loginWithPassword(authContextOf(c), email, password);
    return c.json({ ...tokenPairBody(issued), user: issued.user }, 200);
  });
}
