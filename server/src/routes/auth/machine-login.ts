import { createRoute } from '@hono/zod-openapi';
import { errorResponses, jsonBody, jsonResponse, type App } from '../../http/openapi.ts';
import { Timestamp, iso, z } from '../../http/schemas.ts';
import { loginMachineIdentity } from '../../services/auth.ts';
import { authContextOf } from './context.ts';

export const MachineLoginRequest = z.object({
  clientId: z.string().min(1).max(200),
  clientSecret: z.string().min(1).max(200),
}).openapi('MachineLoginRequest');

export const MachineLoginResponse = z.object({
  tokenType: z.literal('Bearer'),
  accessToken: z.string(),
  accessTokenExpiresAt: Timestamp,
  identity: z.object({ id: z.uuid(), orgId: z.uuid(), name: z.string() }),
}).openapi('MachineLoginResponse');

export const machineLoginRoute = createRoute({
  method: 'post',
  path: '/api/v1/auth/machine-identity/login',
  tags: ['auth'],
  summary: 'Sign in as a machine identity (gateways, automation)',
  description: 'No refresh token: the machine signs in again with its client secret when the access token expires.',
  request: { body: jsonBody(MachineLoginRequest) },
  responses: { 200: jsonResponse(MachineLoginResponse, 'Signed in'), ...errorResponses(400, 401, 413, 429) },
});

export function register(app: App): void {
  app.openapi(machineLoginRoute, async (c) => {
    const { clientId, clientSecret } = c.req.valid('json');
    const issued = await loginMachineIdentity(authContextOf(c), clientId, clientSecret);
    return c.json({ tokenType: 'Bearer' as const, accessToken: issued.accessToken, accessTokenExpiresAt: iso(issued.accessTokenExpiresAt), identity: issued.identity }, 200);
  });
}
