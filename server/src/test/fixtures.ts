import { afterAll, beforeAll } from 'vitest';
import { createTestServer, type TestServer, type TestServerOptions } from './harness.ts';
import type { SeededOrg } from './seed.ts';

/**
 * The setup most route test files share: one server, one seeded org, and for role tests one of
 * every kind of caller, in this org and in another.
 */

export interface OrgServer { server: TestServer; home: SeededOrg }

/** Registers beforeAll/afterAll for a server with one org; `bind` receives them once ready. */
export function useOrgServer(bind: (fixture: OrgServer) => unknown, options?: TestServerOptions): void {
  let server: TestServer | undefined;
  beforeAll(async () => {
    server = await createTestServer(options);
    await bind({ server, home: await server.seedOrg() });
  });
  afterAll(async () => server?.close());
}

export const CALLER_NAMES = [
  'owner', 'org admin', 'org member',
  'project admin', 'project member', 'project auditor',
  'machine admin', 'machine member', 'machine auditor', 'machine without project',
  'other org owner', 'other org machine', 'user in no org',
] as const;
export type CallerName = (typeof CALLER_NAMES)[number];

export interface TenantCallers {
  /** A second org, with its own owner, project and machine identity. */
  other: SeededOrg;
  /** An access token per kind of caller; project roles are on `home.project`. */
  tokens: Record<CallerName, string>;
  /** User or machine identity id per caller. */
  ids: Record<CallerName, string>;
}

export async function seedTenantCallers(server: TestServer, home: SeededOrg): Promise<TenantCallers> {
  const other = await server.seedOrg();
  const orgId = home.org.id;
  const projectId = home.project.id;
  const users = {
    'owner': home.owner,
    'org admin': await server.seedUser({ orgId, orgRole: 'admin' }),
    'org member': await server.seedUser({ orgId, orgRole: 'member' }),
    'project admin': await server.seedUser({ orgId, projects: [{ projectId, role: 'admin' }] }),
    'project member': await server.seedUser({ orgId, projects: [{ projectId, role: 'member' }] }),
    'project auditor': await server.seedUser({ orgId, projects: [{ projectId, role: 'auditor' }] }),
    'other org owner': other.owner,
    'user in no org': await server.seedUser(),
  };
  const machines = {
    'machine admin': await server.seedMachineIdentity({ orgId, projects: [{ projectId, role: 'admin' }] }),
    'machine member': await server.seedMachineIdentity({ orgId, projects: [{ projectId, role: 'member' }] }),
    'machine auditor': await server.seedMachineIdentity({ orgId, projects: [{ projectId, role: 'auditor' }] }),
    'machine without project': await server.seedMachineIdentity({ orgId }),
    'other org machine': await server.seedMachineIdentity({ orgId: other.org.id, projects: [{ projectId: other.project.id, role: 'admin' }] }),
  };
  const tokens = {} as Record<CallerName, string>;
  const ids = {} as Record<CallerName, string>;
  for (const [name, user] of Object.entries(users)) { tokens[name as CallerName] = user.token; ids[name as CallerName] = user.user.id; }
  for (const [name, machine] of Object.entries(machines)) { tokens[name as CallerName] = machine.token; ids[name as CallerName] = machine.identity.id; }
  return { other, tokens, ids };
}

export type TenantServer = OrgServer & TenantCallers;

/** useOrgServer plus seedTenantCallers: for role and cross-tenant tests. */
export function useTenantServer(bind: (fixture: TenantServer) => unknown, options?: TestServerOptions): void {
  useOrgServer(async (fixture) => bind({ ...fixture, ...(await seedTenantCallers(fixture.server, fixture.home)) }), options);
}
