/**
 * Reachability checks with the real processes: a server, an enrolled relay and gateway, and a
 * real sshd. The check of an SSH resource goes platform → relay → gateway (postern-probe) →
 * sshd, returns the host key it saw and pins it; a closed port fails with the reason. An SSH
 * session through the whole path then works against that sshd, and is refused when another
 * sshd with another host key answers at the pinned address.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, type Tokens } from '../../desktop/src/core/api-client.ts';
import { openSshAccess } from '../../desktop/src/core/ssh/ssh-access.ts';
import { parsePublicKeyLineRaw } from '../../shared/src/ssh/keys.ts';
import { ownerToken, postJson, startServerProcess, type ServerProcess } from '../fixtures/server-process.ts';
import { ssh2Run } from '../fixtures/ssh-client.ts';
import { freeLoopbackPort, startSshd, type RunningSshd } from '../fixtures/sshd.ts';
import { createGatewayWithIdentity, eventually, gatewayHealth, startEnrolledGateway, startEnrolledRelay, type Proc } from './deployment-harness.ts';

const RELAY_TOKEN = 'relay-enrollment-token-for-the-reachability-test-0123';

describe('resource reachability through the gateway', () => {
  let server: ServerProcess;
  let owner: string;
  let gatewayId: string;
  let sshd: RunningSshd | undefined;
  let impostor: RunningSshd | undefined;
  const procs: Proc[] = [];
  const work = mkdtempSync(join(tmpdir(), 'postern-reach-'));

  beforeAll(async () => {
    server = await startServerProcess({ env: { POSTERN_RELAY_ENROLLMENT_TOKEN: RELAY_TOKEN } });
    owner = await ownerToken(server);
    procs.push(await startEnrolledRelay(server, RELAY_TOKEN, 'edge', join(work, 'relay')));
    const created = await createGatewayWithIdentity(server, owner, 'gw');
    gatewayId = created.gatewayId;
    const gateway = startEnrolledGateway(server, created.token, join(work, 'gw'));
    procs.push(gateway);
    await gateway.waitFor(/"event":"tunnel_connected"/);
    await eventually(() => gatewayHealth(server, owner, gatewayId), (h) => h.status === 'connected');
    sshd = await startSshd({ passwordAuth: true });
  }, 90_000);

  afterAll(async () => {
    for (const proc of procs) await proc.stop();
    await sshd?.close();
    await impostor?.close();
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  const createSshResource = (name: string, port: number) => postJson(server, owner, '/api/v1/pam/resources/ssh', { projectId: server.projectId, name, gatewayId, host: '127.0.0.1', port });
  const check = (resourceId: string) => postJson(server, owner, `/api/v1/pam/resources/${resourceId}/check-reachability`, {});

  it('a live sshd: ok, with the host key it presents pinned; a closed port: the reason', async () => {
    const resource = await createSshResource('live', sshd!.port);
    const result = await check(resource.id);
    expect(result).toMatchObject({ ok: true, gatewayId, target: { host: '127.0.0.1', port: sshd!.port }, error: null, hostKeyChanged: false });
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    expect(parsePublicKeyLineRaw(result.sshHostKeys[0]).blob.equals(parsePublicKeyLineRaw(sshd!.hostKeyPublic).blob)).toBe(true);

    const closed = await createSshResource('closed', await freeLoopbackPort());
    const failed = await check(closed.id);
    expect(failed.ok).toBe(false);
    expect(failed.error).toMatch(/ECONNREFUSED/);
    expect(failed.sshHostKeys).toBeNull();
  }, 60_000);

  it('sessions use the pinned key: the real sshd works, another host key at the same address is refused', async () => {
    const resource = await createSshResource('pinned', sshd!.port);
    expect((await check(resource.id)).ok).toBe(true);
    await postJson(server, owner, '/api/v1/pam/accounts', { resourceId: resource.id, name: 'pw', credential: { type: 'ssh-password', username: sshd!.user, password: sshd!.password } });
    const tokens = await fetch(`${server.url}/api/v1/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: server.adminEmail, password: server.adminPassword }),
    }).then((r) => r.json() as Promise<Tokens>);
    const api = new ApiClient({ serverUrl: server.url, tokens });
    const run = async () => {
      const access = await openSshAccess(api, { projectId: server.projectId, resource: 'pinned', account: 'pw', durationSeconds: 300 });
      return ssh2Run({ sock: await access.dial() as never, username: 'postern' }, 'echo pinned-ok');
    };
    expect((await run()).trim()).toBe('pinned-ok');

    const port = sshd!.port;
    await sshd!.close();
    sshd = undefined;
    impostor = await startSshd({ passwordAuth: true, extraConfig: [`Port ${port}`] });
    // The bridge refuses before any command runs (the client sees the refusal, not the output).
    const refused = await run().catch((error: Error) => error.message);
    expect(refused).not.toContain('pinned-ok');
    await eventually(async () => procs[1]!.output(), (text) => /target host key mismatch/.test(text), 10_000);
  }, 90_000);
});
