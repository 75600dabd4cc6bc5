import { gateways, type GatewayRow } from '../db/schema/index.ts';
import type { SeededOrg, SeededUser } from './seed.ts';
import type { TestServer } from './harness.ts';

/**
 * An org with a project, a gateway and one user per role, plus a second org with its own owner,
 * project and gateway: the cast every PAM route test needs.
 */
export interface PamWorld {
  a: SeededOrg & { gateway: GatewayRow };
  b: SeededOrg & { gateway: GatewayRow };
  /** Users of org A by role: project admin, member, auditor; an org member with no project role; an org admin. */
  users: { admin: SeededUser; member: SeededUser; auditor: SeededUser; outsider: SeededUser; orgAdmin: SeededUser };
}

async function withGateway(server: TestServer, org: SeededOrg, name: string) {
  const [gateway] = await server.db.insert(gateways).values({ orgId: org.org.id, name }).returning();
  return { ...org, gateway: gateway! };
}

export async function seedPamWorld(server: TestServer): Promise<PamWorld> {
  const a = await withGateway(server, await server.seedOrg(), 'gw-a');
  const b = await withGateway(server, await server.seedOrg(), 'gw-b');
  const inA = (role: 'admin' | 'member' | 'auditor') => server.seedUser({ orgId: a.org.id, projects: [{ projectId: a.project.id, role }] });
  return {
    a,
    b,
    users: {
      admin: await inA('admin'),
      member: await inA('member'),
      auditor: await inA('auditor'),
      outsider: await server.seedUser({ orgId: a.org.id }),
      orgAdmin: await server.seedUser({ orgId: a.org.id, orgRole: 'admin' }),
    },
  };
}

export const sshResourceInput = (world: PamWorld, overrides: Record<string, unknown> = {}) => ({
  projectId: world.a.project.id,
  name: `web-${Math.random().toString(36).slice(2, 8)}`,
  gatewayId: world.a.gateway.id,
  host: 'web-1.internal',
  ...overrides,
});

export const kubernetesResourceInput = (world: PamWorld, overrides: Record<string, unknown> = {}) => ({
  projectId: world.a.project.id,
  name: `k8s-${Math.random().toString(36).slice(2, 8)}`,
  gatewayId: world.a.gateway.id,
  url: 'https://10.0.0.1:6443',
  ...overrides,
});
