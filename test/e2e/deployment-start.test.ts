/**
 * `npm start` as a real process (scripts/start.ts): server on the embedded database, a managed
 * relay enrolled automatically, the local gateway created by the server and enrolled; the health
 * endpoint says the gateway is connected through that relay. A restart enrolls nothing again,
 * and SIGINT (Ctrl+C) stops every process.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from './transport-harness.ts';
import { eventually, spawnTs, type Proc } from './deployment-harness.ts';

const PASSWORD = 'correct horse battery staple';

async function startLauncher(dataDir: string, ports: { http: number; ssh: number; tls: number }): Promise<Proc & { url: string; gatewayId: string; orgId: string }> {
  const launcher = spawnTs('scripts/start.ts', [], {
    POSTERN_DATA_DIR: dataDir, POSTERN_PORT: String(ports.http), POSTERN_ADMIN_PASSWORD: PASSWORD, POSTERN_LOG_LEVEL: 'warn',
    POSTERN_RELAY_SSH_LISTEN: `127.0.0.1:${ports.ssh}`, POSTERN_RELAY_TLS_LISTEN: `127.0.0.1:${ports.tls}`,
  });
  const ready = await launcher.waitFor(/orgs\/([0-9a-f-]{36})\/gateways\/([0-9a-f-]{36})\/health/, 90_000);
  return Object.assign(launcher, { url: `http://127.0.0.1:${ports.http}`, orgId: ready[1]!, gatewayId: ready[2]! });
}

/**
 * The launcher's server, relay and gateway processes. tsx may also run an esbuild service as a
 * child of the launcher (on a cold transform cache, as in a fresh clone); that one is not ours.
 */
function childPids(pid: number): number[] {
  let pids: number[];
  try {
    pids = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
  return pids.filter((child) => {
    try {
      return !readFileSync(`/proc/${child}/cmdline`, 'utf8').includes('esbuild');
    } catch {
      return false;
    }
  });
}

describe('npm start', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'postern-start-'));
  let launcher: Awaited<ReturnType<typeof startLauncher>> | undefined;

  afterAll(async () => {
    await launcher?.stop('SIGINT');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('brings up server, relay and gateway; health says connected; a restart re-enrolls nothing; Ctrl+C stops all', async () => {
    const ports = { http: await freePort(), ssh: await freePort(), tls: await freePort() };
    launcher = await startLauncher(dataDir, ports);
    expect(launcher.output()).toMatch(/Postern is set up/);
    const login = await fetch(`${launcher.url}/api/v1/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'admin@postern.local', password: PASSWORD }),
    });
    const { accessToken } = (await login.json()) as { accessToken: string };
    const healthUrl = `${launcher.url}/api/v1/orgs/${launcher.orgId}/gateways/${launcher.gatewayId}/health`;
    const health = () => fetch(healthUrl, { headers: { authorization: `Bearer ${accessToken}` } }).then((r) => r.json() as Promise<Record<string, any>>);
    const first = await eventually(health, (h) => h.status === 'connected' && h.reportedHealthy);
    expect(first.relay.clientTlsAddress).toBe(`127.0.0.1:${ports.tls}`);

    const children = childPids(launcher.child.pid!);
    expect(children).toHaveLength(3);
    await launcher.stop('SIGINT');
    expect(launcher.child.exitCode).toBe(0);
    for (const pid of children) expect(() => process.kill(pid, 0)).toThrow();

    launcher = await startLauncher(dataDir, ports);
    expect(launcher.output()).not.toMatch(/Postern is set up/);
    const again = await eventually(health, (h) => h.status === 'connected');
    expect(again.relay.id).toBe(first.relay.id);
    const relayLog = readFileSync(join(dataDir, 'logs', 'relay.log'), 'utf8');
    const gatewayLog = readFileSync(join(dataDir, 'logs', 'gateway.log'), 'utf8');
    expect(gatewayLog.match(/"event":"gateway_enrolled"/g)).toHaveLength(1);
    expect(gatewayLog.match(/"event":"gateway_renewed"/g)).toHaveLength(1);
    expect(relayLog.match(/"event":"relay_enrolled"/g)).toHaveLength(1);
    expect(relayLog.match(/"event":"relay_enrollment_reused"/g)).toHaveLength(1);
  }, 240_000);
});
