/** The world the end-session route tests share: org A's SSH account, org B's, and a way to open sessions. */
import { createTestServer, type TestResponse, type TestServer } from '../../test/harness.ts';
import { sshResourceInput } from '../../test/pam-fixtures.ts';
import { PKI_ENV, makeRequesterKeys, seedPkiWorld, type PkiWorld } from '../../services/pki/pki-world.test-support.ts';

export const UNKNOWN_SESSION = '00000000-0000-4000-8000-000000000000';

export interface EndSessionWorld {
  server: TestServer;
  world: PkiWorld;
  /** Opens a 10-minute session on org A's account as the given user (project admin or member). */
  openA(token: string): Promise<string>;
  /** Opens a session on org B's account as org B's owner. */
  openB(): Promise<string>;
  end(sessionId: string, token?: string): Promise<TestResponse>;
}

export async function createEndSessionWorld(): Promise<EndSessionWorld> {
  const server = await createTestServer({ env: PKI_ENV });
  const world = await seedPkiWorld(server);
  const client = makeRequesterKeys('client');
  const accountOn = async (projectId: string, gatewayId: string, token: string) => {
    const resourceId = (await server.post('/api/v1/pam/resources/ssh', { ...sshResourceInput(world), projectId, gatewayId }, token)).body.id;
    return (await server.post('/api/v1/pam/accounts', { resourceId, name: 'pw', credential: { type: 'ssh-password', username: 'root', password: 'pw-9x' } }, token)).body.id as string;
  };
  const accountA = await accountOn(world.a.project.id, world.a.gateway.id, world.users.admin.token);
  const accountB = await accountOn(world.b.project.id, world.b.gateway.id, world.b.owner.token);
  const open = async (accountId: string, token: string) => {
    const res = await server.post('/api/v1/pam/sessions', { accountId, durationSeconds: 600, csr: client.csr }, token);
    if (res.status !== 201) throw new Error(`session creation failed: ${res.status} ${res.text}`);
    return res.body.sessionId as string;
  };
  return {
    server, world,
    openA: (token) => open(accountA, token),
    openB: () => open(accountB, world.b.owner.token),
    end: (sessionId, token) => server.request('POST', `/api/v1/pam/sessions/${sessionId}/end`, token === undefined ? {} : { token }),
  };
}
