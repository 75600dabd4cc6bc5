import { createRoute } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { errorResponses, jsonResponse, z } from '../http/openapi.ts';
import { requireAuth } from '../http/auth.ts';
import { useTenantServer, type TenantCallers } from '../test/fixtures.ts';
import type { TestServer } from '../test/harness.ts';
import type { SeededOrg } from '../test/seed.ts';
import { requireOrgRole, requireProjectRole } from './authorization.ts';

// Probe routes that do nothing but the authorization check, so each rule is tested on its own.
const projectProbe = createRoute({
  method: 'get', path: '/api/v1/probe/projects/{projectId}', middleware: [requireAuth] as const,
  request: { params: z.object({ projectId: z.string() }), query: z.object({ roles: z.string() }) },
  responses: { 200: jsonResponse(z.object({ id: z.string(), orgId: z.string() }), 'ok'), ...errorResponses(401, 403, 404) },
});
const orgProbe = createRoute({
  method: 'get', path: '/api/v1/probe/orgs/{orgId}', middleware: [requireAuth] as const,
  request: { params: z.object({ orgId: z.string() }), query: z.object({ roles: z.string() }) },
  responses: { 200: jsonResponse(z.object({ id: z.string() }), 'ok'), ...errorResponses(401, 403, 404) },
});

let server: TestServer;
let home: SeededOrg;
let other: SeededOrg;
let tokens: TenantCallers['tokens'];

useTenantServer((fixture) => {
  ({ server, home, other, tokens } = fixture);
  server.app.openapi(projectProbe, async (c) => {
    const roles = c.req.valid('query').roles.split(',') as Array<'admin' | 'member' | 'auditor'>;
    const project = await requireProjectRole(c, c.req.valid('param').projectId, roles);
    return c.json({ id: project.id, orgId: project.orgId }, 200);
  });
  server.app.openapi(orgProbe, async (c) => {
    const roles = c.req.valid('query').roles.split(',') as Array<'owner' | 'admin' | 'member'>;
    const org = await requireOrgRole(c, c.req.valid('param').orgId, roles);
    return c.json({ id: org.id }, 200);
  });
});

const projectPath = (roles: string, projectId = home.project.id) => `/api/v1/probe/projects/${projectId}?roles=${roles}`;

describe('requireProjectRole', () => {
  // [caller, roles asked for, expected status]
  describe.each([
    ['owner', 'auditor', 200],
    ['org admin', 'auditor', 200],
    ['project admin', 'admin', 200],
    ['project admin', 'auditor', 403],
    ['project member', 'member', 200],
    ['project member', 'admin', 403],
    ['project member', 'auditor', 403],
    ['project auditor', 'auditor', 200],
    ['project auditor', 'admin,member', 403],
    ['machine member', 'member', 200],
    ['machine member', 'admin', 403],
    ['org member', 'member', 404],
    ['machine without project', 'member', 404],
    ['other org owner', 'member', 404],
    ['other org machine', 'member', 404],
    ['user in no org', 'member', 404],
  ] as const)('%s asking for %s', (caller, roles, status) => {
    it(`answers ${status}`, async () => {
      const res = await server.get(projectPath(roles), tokens[caller]);
      expect(res.status).toBe(status);
      if (status === 200) expect(res.body).toEqual({ id: home.project.id, orgId: home.org.id });
      if (status === 404) expect(res.body.error.code).toBe('project_not_found');
      if (status === 403) expect(res.body.error.code).toBe('forbidden');
    });
  });

  it('answers an unknown project and a non-uuid id exactly like another org\'s project', async () => {
    const unknown = await server.get(projectPath('member', '00000000-0000-4000-8000-000000000000'), tokens.owner);
    const garbage = await server.get(projectPath('member', "1' or '1'='1"), tokens.owner);
    const foreign = await server.get(projectPath('member', other.project.id), tokens.owner);
    expect([unknown.status, garbage.status, foreign.status]).toEqual([404, 404, 404]);
    expect(foreign.body.error.message).not.toContain(other.project.name);
  });

  it('refuses without a token, with a bad token and with an expired token', async () => {
    expect((await server.get(projectPath('member'))).status).toBe(401);
    expect((await server.get(projectPath('member'), 'pat_forged')).body.error.code).toBe('unauthenticated');
    const res = await server.request('GET', projectPath('member'), { headers: { authorization: `Basic ${tokens.owner}` } });
    expect(res.status).toBe(401);
    server.advanceClock(16 * 60 * 1000);
    try {
      const expired = await server.get(projectPath('member'), tokens.owner);
      expect(expired.status).toBe(401);
      expect(expired.body.error.code).toBe('token_expired');
    } finally {
      server.advanceClock(-16 * 60 * 1000);
    }
  });
});

describe('requireOrgRole', () => {
  describe.each([
    ['owner', 'owner', 200],
    ['org admin', 'owner,admin', 200],
    ['org admin', 'owner', 403],
    ['org member', 'admin', 403],
    ['project admin', 'owner,admin', 403],
    ['machine without project', 'member', 403],
    ['other org owner', 'member', 404],
    ['other org machine', 'member', 404],
    ['user in no org', 'member', 404],
  ] as const)('%s asking for %s', (caller, roles, status) => {
    it(`answers ${status}`, async () => {
      const res = await server.get(`/api/v1/probe/orgs/${home.org.id}?roles=${roles}`, tokens[caller]);
      expect(res.status).toBe(status);
      if (status === 404) expect(res.body.error.code).toBe('org_not_found');
    });
  });
});
