/**
 * The relay on Deno: `deno run -A relay/src/main.ts` (Deno from the `deno` npm package) with a
 * Node gateway and the Node dialer around it. Proves the relay's code — node:net, node:tls,
 * node:crypto through Deno's Node compatibility, and the patched ssh2 — carries real sessions.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialGateway } from '../../desktop/src/core/dialer.ts';
import { TransportPki } from '../../shared/src/relay/transport-pki.test-support.ts';
import {
  DENO_BIN, dialOptionsFor, echo, startGatewayProcess, startRelayProcess, startSessionCheck, type ChildHandle, type RelayProcess,
} from './transport-harness.ts';

const pki = new TransportPki();
const materials = pki.relayMaterials();
let relay: RelayProcess;
let gateway: ChildHandle;
let sessionCheck: Awaited<ReturnType<typeof startSessionCheck>>;

beforeAll(async () => {
  expect(existsSync(DENO_BIN), 'npm install provides node_modules/.bin/deno').toBe(true);
  sessionCheck = await startSessionCheck();
  relay = await startRelayProcess(materials, { sshPort: 0, tlsPort: 0 }, 'deno');
  gateway = startGatewayProcess(pki, materials, { orgId: 'org-a', gatewayId: 'gw-deno', relaySshPort: relay.sshPort, sessionCheckUrl: sessionCheck.url });
  await gateway.waitForEvent('tunnel_connected', 30_000);
  await relay.waitForEvent('gateway_data_connections_ready', 30_000);
}, 90_000);

afterAll(async () => {
  await Promise.all([gateway?.kill(), relay?.kill()]);
  await sessionCheck?.close();
});

describe('the relay under Deno', () => {
  it('runs as a Deno process and routes a session both ways (1 MiB echoed intact)', async () => {
    expect(relay.child.spawnfile).toContain('deno');
    const socket = await dialGateway(dialOptionsFor(pki, materials, relay.tlsPort, { orgId: 'org-a', gatewayId: 'gw-deno' }));
    const payload = Buffer.alloc(1 << 20, 'deno relay ');
    expect((await echo(socket, payload, 20_000)).equals(payload)).toBe(true);
    socket.destroy();
    // Over one of the gateway's data connections: native TLS on both sides of the Deno relay.
    expect(relay.output()).toContain('"path":"data"');
  });

  it('refuses under Deno the way it does under Node (org mismatch, unknown gateway)', async () => {
    await expect(dialGateway(dialOptionsFor(pki, materials, relay.tlsPort, { orgId: 'org-a', gatewayId: 'gw-deno', relayClient: pki.relayClient('org-b') })))
      .rejects.toMatchObject({ code: 'relay_refused', reason: 'org_mismatch' });
    await expect(dialGateway(dialOptionsFor(pki, materials, relay.tlsPort, { orgId: 'org-a', gatewayId: 'gw-elsewhere' })))
      .rejects.toMatchObject({ code: 'relay_refused', reason: 'unknown_gateway' });
  });
});
