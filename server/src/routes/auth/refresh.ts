import { createRoute } from '@hono/zod-openapi';
import { errorResponses, jsonBody, jsonResponse, type App } from '../../http/openapi.ts';
import { z } from '../../http/schemas.ts';
import { refreshTokens } from '../../services/auth.ts';
import { TokenPairResponse, authContextOf, tokenPairBody } from './context.ts';

export const RefreshRequest = z.object({ refreshToken: z.string().min(1).max(200) }).openapi('RefreshRequest');

export const refreshRoute = createRoute({
  method: 'post',
  path: '/api/v1/auth/refresh',
  tags: ['auth'],
  summary: 'Exchange a refresh token for a new token pair',
  description: 'Each refresh token works once. Presenting a spent one revokes every token of that sign-in.',
  request: { body: jsonBody(RefreshRequest) },
  responses: { 200: jsonResponse(TokenPairResponse, 'New tokens; the presented refresh token is spent'), ...errorResponses(400, 401) },
});

export function register(app: App): void {
  app.openapi(refreshRoute, async (c) => {
    const issued = await refreshTokens(authContextOf(c), c.req.valid('json').refreshToken);
    return c.json(tokenPairBody(issued), 200);
  });
}
