import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../test/harness.ts';

// Guards the convention for every route file, whoever writes it: declared with createRoute (so it
// is validated and documented), under /api/v1, and marked as needing a token when it does.
let server: TestServer;
let doc: any;

beforeAll(async () => {
  server = await createTestServer();
  doc = (await server.get('/api/v1/openapi.json')).body;
});
afterAll(async () => server?.close());

const PUBLIC_OPERATIONS = new Set([
  'GET /api/v1/health', 'GET /api/v1/openapi.json', 'POST /api/v1/auth/login', 'POST /api/v1/auth/refresh',
  'POST /api/v1/auth/machine-identity/login',
]);

const toOpenApiPath = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

function registeredOperations(): string[] {
  const operations = server.app.routes
    .filter((route) => route.method !== 'ALL' && !route.path.endsWith('*'))
    .map((route) => `${route.method} ${toOpenApiPath(route.path)}`);
  return [...new Set(operations)];
}

describe('OpenAPI document', () => {
  it('documents every registered route, and every route lives under /api/v1', () => {
    const documented = new Set(Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`)));
    const operations = registeredOperations();
    expect(operations.length).toBeGreaterThan(20);
    for (const operation of operations) {
      expect(operation.split(' ')[1]).toMatch(/^\/api\/v1\//);
      if (operation !== 'GET /api/v1/openapi.json') expect(documented, `${operation} is not in openapi.json`).toContain(operation);
    }
  });

  it('marks every non-public operation as needing a bearer token, and it really does', async () => {
    for (const [path, methods] of Object.entries(doc.paths as Record<string, Record<string, { security?: unknown[] }>>)) {
      for (const [method, operation] of Object.entries(methods)) {
        const name = `${method.toUpperCase()} ${path}`;
        if (PUBLIC_OPERATIONS.has(name)) continue;
        expect(operation.security, `${name} does not declare bearerAuth`).toEqual([{ bearerAuth: [] }]);
        const concrete = path.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000');
        const res = await server.request(method.toUpperCase(), concrete, method === 'get' || method === 'delete' ? {} : { json: {} });
        // 401 normally; 400 where a route checks its body before its own token scheme (enrollment).
        expect([400, 401], `${name} answered ${res.status} without a token`).toContain(res.status);
      }
    }
  });

  it('documents the error shape on every framework error status (400, 401, 403, 404, 409, 413, 422)', () => {
    const frameworkStatuses = new Set(['400', '401', '403', '404', '409', '413', '422']);
    for (const [path, methods] of Object.entries(doc.paths as Record<string, Record<string, { responses: Record<string, any> }>>)) {
      for (const [method, operation] of Object.entries(methods)) {
        for (const [status, response] of Object.entries(operation.responses)) {
          if (!frameworkStatuses.has(status)) continue;
          expect(response.content?.['application/json']?.schema?.$ref, `${method} ${path} ${status}`).toBe('#/components/schemas/Error');
        }
      }
    }
  });
});
