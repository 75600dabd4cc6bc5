import { createRoute } from '@hono/zod-openapi';
import { sql } from 'drizzle-orm';
import { jsonResponse, z, type App } from '../../http/openapi.ts';

export const HealthResponse = z.object({
  status: z.literal('ok'),
  time: z.iso.datetime(),
}).openapi('Health');

export const healthRoute = createRoute({
  method: 'get',
  path: '/api/v1/health',
  tags: ['system'],
  summary: 'Liveness and database reachability',
  responses: { 200: jsonResponse(HealthResponse, 'The server is up and its database answers') },
});

export function register(app: App): void {
  app.openapi(healthRoute, async (c) => {
    const { db, clock } = c.var.deps;
    await db.execute(sql`select 1`);
    return c.json({ status: 'ok' as const, time: clock().toISOString() }, 200);
  });
}
