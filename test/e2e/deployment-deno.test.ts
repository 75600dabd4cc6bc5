/**
 * The enrolled relay under Deno (the relay must run there): it enrolls with the server using
 * fetch, node:crypto and node:fs as Deno provides them, and a Node gateway enrolled with the
 * server tunnels to it; the platform's health ping goes through it.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ownerToken, startServerProcess, type ServerProcess } from '../fixtures/server-process.ts';
import { createGatewayWithIdentity, eventually, gatewayHealth, startEnrolledGateway, startEnrolledRelay, type Proc } from './deployment-harness.ts';

const RELAY_TOKEN = 'relay-enrollment-token-for-the-deno-deployment-test-01';

describe('enrolled relay under Deno', () => {
  let server: ServerProcess | undefined;
  const procs: Proc[] = [];
  const work = mkdtempSync(join(tmpdir(), 'postern-deno-deploy-'));

  afterAll(async () => {
    for (const proc of procs) await proc.stop();
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('enrolls itself and carries an enrolled gateway\'s tunnel', async () => {
    server = await startServerProcess({ env: { POSTERN_RELAY_ENROLLMENT_TOKEN: RELAY_TOKEN } });
    const owner = await ownerToken(server);
    const relay = await startEnrolledRelay(server, RELAY_TOKEN, 'deno-edge', join(work, 'relay'), 'deno');
    procs.push(relay);
    expect(relay.output()).toMatch(/"event":"relay_enrolled"/);
    expect(statSync(join(work, 'relay', 'ssh_host_key')).mode & 0o777).toBe(0o600);
    const { gatewayId, token } = await createGatewayWithIdentity(server, owner, 'gw-deno');
    const gateway = startEnrolledGateway(server, token, join(work, 'gw'));
    procs.push(gateway);
    await gateway.waitFor(/"event":"tunnel_connected"/);
    const health = await eventually(() => gatewayHealth(server!, owner, gatewayId), (h) => h.status === 'connected');
    expect(health.relay.name).toBe('deno-edge');
  }, 90_000);
});
