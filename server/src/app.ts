import { randomUUID } from 'node:crypto';
import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { PayloadTooLargeError, PosternError } from '@postern/shared/errors';
import type { AppDeps, AppEnv } from './deps.ts';
import { validationErrorFrom } from '@postern/shared/validation';
import { handleError } from './http/errors.ts';
import type { App } from './http/openapi.ts';
import { registerRoutes } from './routes/index.ts';
import { LoginThrottle } from './services/login-throttle.ts';

export type { AppDeps, AppEnv, App };

export const API_PREFIX = '/api/v1';

/**
 * Builds the HTTP API from its dependencies; no globals, so tests build one in-process per
 * database. Every route lives under /api/v1 and is declared with zod schemas (routes/index.ts).
 */
export function createApp(deps: AppDeps): App {
  const app: App = new OpenAPIHono<AppEnv>({
    // Schema failures become one typed 400 with the offending field paths.
    defaultHook: (result) => {
      if (!result.success) throw validationErrorFrom(result.target, result.error);
    },
  });

  const loginThrottle = new LoginThrottle(deps.clock);
  app.use('*', async (c, next) => {
    c.set('deps', deps);
    c.set('loginThrottle', loginThrottle);
    c.set('requestId', randomUUID());
    // Lets a user quote the id of a failed request; the 500 body and the log line carry the same id.
    c.header('x-request-id', c.var.requestId);
    const started = performance.now();
    await next();
    deps.logger.info({
      requestId: c.var.requestId, method: c.req.method, path: c.req.path, status: c.res.status,
      ms: Math.round((performance.now() - started) * 10) / 10,
    }, 'request');
  });
  app.use(`${API_PREFIX}/*`, bodyLimit({
    maxSize: deps.config.maxBodyBytes,
    onError: (c) => c.json(new PayloadTooLargeError(deps.config.maxBodyBytes).toBody(), 413),
  }));

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http', scheme: 'bearer', description: 'Access token from POST /api/v1/auth/login or /api/v1/auth/machine-identity/login',
  });
  registerRoutes(app);
  app.doc31(`${API_PREFIX}/openapi.json`, {
    openapi: '3.1.0',
    info: { title: 'Postern API', version: '1', description: 'Privileged access management: identities, projects, resources, sessions, audit.' },
    servers: [{ url: deps.config.publicUrl }],
  });

  app.notFound((c) => {
    const error = new PosternError('route_not_found', 404, `No API route ${c.req.method} ${c.req.path}; see ${API_PREFIX}/openapi.json for the routes.`);
    return c.json(error.toBody(), 404);
  });
  app.onError(handleError);
  return app;
}
