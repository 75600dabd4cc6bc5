/**
 * Gateway enrollment end to end with the real processes: a server, a relay that enrolls itself
 * with the instance token, and `postern-gateway --server URL --token id:secret`. From the token
 * to a postern-ping through the relay (the platform's health check); renewal before expiry with
 * 12-second certificates (gateway and relay), without dropping the tunnel; revocation stops the
 * gateway for good.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerToken, postJson, startServerProcess, type ServerProcess } from '../fixtures/server-process.ts';
import { createGatewayWithIdentity, eventually, gatewayHealth, startEnrolledGateway, startEnrolledRelay, type Proc } from './deployment-harness.ts';

const RELAY_TOKEN = 'relay-enrollment-token-for-the-deployment-test-0123456789';

describe('gateway enrollment through a relay process', () => {
  let server: ServerProcess;
  let relay: Proc;
  let renewing: { gatewayId: string; proc: Proc };
  let owner: string;
  const work = mkdtempSync(join(tmpdir(), 'postern-deploy-'));
  const procs: Proc[] = [];

  beforeAll(async () => {
    server = await startServerProcess({ env: { POSTERN_RELAY_ENROLLMENT_TOKEN: RELAY_TOKEN, POSTERN_GATEWAY_CERT_TTL_SECONDS: '12', POSTERN_RELAY_CERT_TTL_SECONDS: '12' } });
    owner = await ownerToken(server);
    relay = await startEnrolledRelay(server, RELAY_TOKEN, 'edge-1', join(work, 'relay'));
    procs.push(relay);
  }, 90_000);

  afterAll(async () => {
    for (const proc of procs) await proc.stop();
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('enrolls from a token, answers a ping through the relay, renews without dropping the tunnel, and keeps its keys to itself', async () => {
    const { gatewayId, token } = await createGatewayWithIdentity(server, owner, 'gw-renew');
    const dataDir = join(work, 'gw-renew');
    const gateway = startEnrolledGateway(server, token, dataDir);
    procs.push(gateway);
    renewing = { gatewayId, proc: gateway };
    await gateway.waitFor(/"event":"tunnel_connected"/);
    const health = await eventually(() => gatewayHealth(server, owner, gatewayId), (h) => h.status === 'connected' && h.reportedHealthy === true);
    expect(health.relay.name).toBe('edge-1');
    expect(health.latencyMs).toBeGreaterThan(0);
    expect(health.lastSeenAt).not.toBeNull();

    for (const file of ['ssh_key', 'tls_key.pem', 'enrollment.json']) expect(statSync(join(dataDir, file)).mode & 0o777).toBe(0o600);
    const stored = readFileSync(join(dataDir, 'enrollment.json'), 'utf8');
    expect(stored).not.toMatch(/PRIVATE KEY/);
    const firstExpiry = JSON.parse(stored).expiresAt as string;

    // 12 s certificates are renewed at two thirds (~8 s); two renewals, still one tunnel.
    await gateway.waitFor(/"event":"gateway_renewed"[\s\S]*"event":"gateway_renewed"/, 30_000);
    expect(JSON.parse(readFileSync(join(dataDir, 'enrollment.json'), 'utf8')).expiresAt > firstExpiry).toBe(true);
    expect(gateway.output().match(/"event":"tunnel_connected"/g)).toHaveLength(1);
    expect((await gatewayHealth(server, owner, gatewayId)).status).toBe('connected');

    // The relay renewed too (12 s certificates): a new TLS context and host certificate for new
    // connections; the platform's new connection verifies the renewed relay certificate.
    await relay.waitFor(/"event":"relay_renewed"/, 20_000);
    expect(relay.output()).not.toMatch(/relay_renew_failed/);
    expect((await gatewayHealth(server, owner, gatewayId)).status).toBe('connected');
  }, 90_000);

  it('a revoked gateway stops at its next renewal, refuses to start again, and is no longer reachable', async () => {
    const { gatewayId, token } = await createGatewayWithIdentity(server, owner, 'gw-revoke');
    const dataDir = join(work, 'gw-revoke');
    const gateway = startEnrolledGateway(server, token, dataDir);
    procs.push(gateway);
    await gateway.waitFor(/"event":"tunnel_connected"/);
    await postJson(server, owner, `/api/v1/orgs/${server.orgId}/gateways/${gatewayId}/revoke`, {});

    expect(await gateway.exited(20_000)).toBe(3);
    expect(gateway.output()).toMatch(/revoked by an admin/);
    const again = startEnrolledGateway(server, token, dataDir);
    procs.push(again);
    expect(await again.exited(20_000)).toBe(3);
    expect(again.output()).not.toMatch(/"event":"tunnel_connected"/);
    const health = await gatewayHealth(server, owner, gatewayId);
    expect(health.status).toBe('revoked');
    expect(health.latencyMs).toBeNull();
  }, 90_000);

  it('a revoked relay stops; at its next renewal the gateway moves to the relay the server names', async () => {
    const relayId = (await gatewayHealth(server, owner, renewing.gatewayId)).relay.id as string;
    const revoked = await fetch(`${server.url}/api/v1/relays/${relayId}/revoke`, { method: 'POST', headers: { authorization: `Bearer ${RELAY_TOKEN}` } });
    expect(revoked.status).toBe(200);
    const second = await startEnrolledRelay(server, RELAY_TOKEN, 'edge-2', join(work, 'relay-2'));
    procs.push(second);
    await renewing.proc.waitFor(/"event":"gateway_relay_moved"/, 30_000);
    const health = await eventually(() => gatewayHealth(server, owner, renewing.gatewayId), (h) => h.status === 'connected' && h.relay?.name === 'edge-2', 20_000);
    expect(health.reportedHealthy).toBe(true);
    expect(await relay.exited(20_000)).toBe(3);
    expect(relay.output()).toMatch(/"event":"relay_revoked"/);
  }, 90_000);

  it('a wrong token is refused with the server\'s reason and exit code 3', async () => {
    const gateway = startEnrolledGateway(server, 'mi_unknown:not-the-secret', join(work, 'gw-bad'));
    procs.push(gateway);
    expect(await gateway.exited(20_000)).toBe(3);
    expect(gateway.output()).toMatch(/The server refused the gateway/);
  }, 30_000);
});
