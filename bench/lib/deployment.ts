/**
 * A whole Postern deployment for benchmarks, as an operator runs it: the server, an enrolled
 * relay and an enrolled gateway as separate processes, a real OpenSSH sshd as the target, an SSH
 * resource with a password account, and a signed-in API client. The benchmark process plays the
 * laptop (the CLI's own code), so every hop a user's bytes take is a real process boundary.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient, type Tokens } from '../../desktop/src/core/api-client.ts';
import { ownerToken, postJson, startServerProcess, type ServerProcess } from '../../test/fixtures/server-process.ts';
import { startSshd, type RunningSshd, type SshdOptions } from '../../test/fixtures/sshd.ts';
import {
  createGatewayWithIdentity, eventually, gatewayHealth, startEnrolledGateway, startEnrolledRelay, type Proc,
} from '../../test/e2e/deployment-harness.ts';

const RELAY_TOKEN = 'relay-enrollment-token-for-the-benchmarks-0123456789';

export interface BenchDeployment {
  server: ServerProcess;
  relay: Proc & { tlsPort: number; sshPort: number };
  gateway: Proc;
  sshd: RunningSshd;
  api: ApiClient;
  /** `projectId`, resource and account names for openSshAccess. */
  target: { projectId: string; resource: string; account: string };
  stop(): Promise<void>;
}

export async function startBenchDeployment(sshdOptions: SshdOptions = {}): Promise<BenchDeployment> {
  const work = mkdtempSync(join(tmpdir(), 'postern-bench-'));
  const server = await startServerProcess({ env: { POSTERN_RELAY_ENROLLMENT_TOKEN: RELAY_TOKEN } });
  const owner = await ownerToken(server);
  const relay = await startEnrolledRelay(server, RELAY_TOKEN, 'bench-edge', join(work, 'relay'));
  const created = await createGatewayWithIdentity(server, owner, 'bench-gw');
  const gateway = startEnrolledGateway(server, created.token, join(work, 'gw'));
  await gateway.waitFor(/"event":"tunnel_connected"/, 60_000);
  await eventually(() => gatewayHealth(server, owner, created.gatewayId), (h) => h.status === 'connected', 60_000);
  const sshd = await startSshd({ passwordAuth: true, ...sshdOptions });
  const resource = await postJson(server, owner, '/api/v1/pam/resources/ssh', {
    projectId: server.projectId, name: 'bench-target', gatewayId: created.gatewayId, host: '127.0.0.1', port: sshd.port,
  });
  await postJson(server, owner, `/api/v1/pam/resources/${resource.id}/check-reachability`, {});
  await postJson(server, owner, '/api/v1/pam/accounts', {
    resourceId: resource.id, name: 'bench', credential: { type: 'ssh-password', username: sshd.user, password: sshd.password },
  });
  const tokens = await fetch(`${server.url}/api/v1/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: server.adminEmail, password: server.adminPassword }),
  }).then((r) => r.json() as Promise<Tokens>);
  return {
    server, relay, gateway, sshd,
    api: new ApiClient({ serverUrl: server.url, tokens }),
    target: { projectId: server.projectId, resource: 'bench-target', account: 'bench' },
    stop: async () => {
      await gateway.stop();
      await relay.stop();
      await sshd.close();
      await server.stop();
      rmSync(work, { recursive: true, force: true });
    },
  };
}
