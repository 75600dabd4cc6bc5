/**
 * A real Postern server (in-process app on a PGlite database, served over loopback HTTP on a free
 * port) with an SSH and a Kubernetes resource and the gateway's machine identity, for the
 * recording tests: the gateway's spool uploads to it, reviewers read from it.
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createTestServer, type TestServer } from '../../server/src/test/harness.ts';
import { PKI_ENV } from '../../server/src/services/pki/pki-world.test-support.ts';
import { openSession, seedRecordingWorld, type RecordingWorld } from '../../server/src/routes/recordings/recordings.test-support.ts';
import type { SessionParameters } from '../../shared/src/pki/peer-identity.ts';

export interface RecordingServer {
  server: TestServer;
  world: RecordingWorld;
  /** http://127.0.0.1:<port> */
  url: string;
  gatewayToken: string;
  /** Opens a session as the project member; parameters as the gateway reads them from the client certificate. */
  openSession(kind?: 'ssh' | 'kubernetes', durationSeconds?: number): Promise<SessionParameters>;
  close(): Promise<void>;
}

export async function startRecordingServer(): Promise<RecordingServer> {
  const server = await createTestServer({ env: PKI_ENV });
  const world = await seedRecordingWorld(server);
  const http = serve({ fetch: server.app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => (http.listening ? resolve() : http.once('listening', () => resolve())));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return {
    server, world, url, gatewayToken: world.gatewayIdentityA.token,
    openSession: async (kind = 'ssh', durationSeconds = 600) => {
      const accountId = kind === 'ssh' ? world.sshAccount : world.k8sAccount;
      const sessionId = await openSession(server, accountId, world.users.member.token, durationSeconds);
      return {
        orgId: world.a.org.id, gatewayId: world.a.gateway.id, sessionId, accountId, actorId: world.users.member.user.id,
        resourceId: kind === 'ssh' ? world.sshResource : world.k8sResource, notAfter: new Date(Date.now() + durationSeconds * 1000),
      };
    },
    close: async () => {
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await server.close();
    },
  };
}

/** Polls `check` every 20 ms until it holds, for at most `timeoutMs`. */
export async function waitUntil(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
