import { createRoute } from '@hono/zod-openapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orgs, users } from './db/schema/index.ts';
import { errorResponses, jsonBody, jsonResponse, z } from './http/openapi.ts';
import { createTestServer, type TestServer } from './test/harness.ts';

// A probe route registered only in this test, to drive the framework's error paths through a
// real request: body validation, body limit, database unique violation and an unexpected crash.
const ProbeBody = z.object({ name: z.string().min(1).max(50), size: z.number().int(), tags: z.array(z.string()).optional() });
const probeRoute = createRoute({
  method: 'post',
  path: '/api/v1/probe/{mode}',
  request: { params: z.object({ mode: z.enum(['echo', 'user', 'crash']) }), body: jsonBody(ProbeBody) },
  responses: { 200: jsonResponse(z.object({ name: z.string() }), 'echo'), ...errorResponses(400, 409, 413) },
});

let server: TestServer;

beforeAll(async () => {
  server = await createTestServer({ env: { POSTERN_MAX_BODY_BYTES: '2048' } });
  server.app.openapi(probeRoute, async (c) => {
    const { mode } = c.req.valid('param');
    const body = c.req.valid('json');
    if (mode === 'user') await c.var.deps.db.insert(users).values({ email: body.name, passwordHash: 'unused' });
    if (mode === 'crash') await c.var.deps.db.insert(orgs).values({ name: body.name, id: 'not-a-uuid' });
    return c.json({ name: body.name }, 200);
  });
});
afterAll(async () => server?.close());

describe('framework', () => {
  it('answers health with the database reachable', async () => {
    const res = await server.get('/api/v1/health');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ok');
    expect(Date.parse(res.body.time)).not.toBeNaN();
  });

  it('serves an OpenAPI 3.1 document listing the routes and the bearer scheme', async () => {
    const res = await server.get('/api/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(Object.keys(res.body.paths)).toContain('/api/v1/health');
    expect(res.body.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('answers an unknown route with a JSON 404', async () => {
    const res = await server.get('/api/v1/no/such/route');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('route_not_found');
  });

  it('answers malformed JSON with 400 malformed_request', async () => {
    const res = await server.request('POST', '/api/v1/probe/echo', { rawBody: '{"name": "x", ' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('malformed_request');
  });

  it('refuses a non-JSON content type with 415 rather than reading an empty body', async () => {
    const res = await server.request('POST', '/api/v1/probe/echo', { rawBody: 'name=x', headers: { 'content-type': 'text/plain' } });
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe('unsupported_media_type');
  });

  it('answers schema failures with 400 validation_failed naming every field path', async () => {
    const res = await server.post('/api/v1/probe/echo', { name: '', size: 'big', tags: ['ok', 7] });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details.fields).toEqual(expect.arrayContaining(['name', 'size', 'tags[1]']));
  });

  it('validates path parameters too', async () => {
    const res = await server.post('/api/v1/probe/explode', { name: 'a', size: 1 });
    expect(res.status).toBe(400);
    expect(res.body.error.details.location).toBe('param');
  });

  it('answers an oversized body with 413 payload_too_large, with or without Content-Length', async () => {
    const big = JSON.stringify({ name: 'a', size: 1, tags: ['x'.repeat(4000)] });
    const withLength = await server.request('POST', '/api/v1/probe/echo', { rawBody: big, headers: { 'content-length': String(big.length) } });
    expect(withLength.status).toBe(413);
    expect(withLength.body.error).toMatchObject({ code: 'payload_too_large', details: { limitBytes: 2048 } });
    const stream = new Blob([big]).stream();
    const response = await server.app.request(new Request('http://postern.test/api/v1/probe/echo', {
      method: 'POST', body: stream, headers: { 'content-type': 'application/json' }, duplex: 'half',
    } as RequestInit));
    expect(response.status).toBe(413);
  });

  it('answers a unique violation with 409 conflict naming the field, and the database keeps one row', async () => {
    const first = await server.post('/api/v1/probe/user', { name: 'snow☃@example.test', size: 1 });
    expect(first.status).toBe(200);
    const before = await server.tableCounts();
    const second = await server.post('/api/v1/probe/user', { name: 'snow☃@example.test', size: 1 });
    expect(second.status).toBe(409);
    expect(second.body.error).toMatchObject({ code: 'conflict', details: { field: 'email' } });
    expect(await server.tableCounts()).toEqual(before);
  });

  it('answers an unexpected failure with 500 internal_error, logs it, and leaks no internals', async () => {
    const res = await server.post('/api/v1/probe/crash', { name: 'crash-me', size: 1 });
    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe('internal_error');
    expect(res.headers.get('x-request-id')).toBe(res.body.error.details.requestId);
    expect(res.text).not.toMatch(/insert|uuid|orgs|stack/i);
    const logged = server.logs.find((line) => line.includes('unexpected error') && line.includes(res.body.error.details.requestId));
    expect(logged).toBeDefined();
    // Drizzle's error carries the query parameters; the log must not.
    expect(logged).not.toContain('crash-me');
  });

  it('logs one line per request without bodies', async () => {
    await server.post('/api/v1/probe/echo', { name: 'log-probe-value', size: 3 });
    const lines = server.logs.filter((line) => line.includes('"msg":"request"'));
    expect(lines.length).toBeGreaterThan(0);
    expect(server.logs.join('\n')).not.toContain('log-probe-value');
  });
});
