/**
 * What the relay itself sees, after it has removed its own layers (the client's outer TLS and
 * the gateway's SSH): every byte it forwards in either direction is tapped inside the relay
 * process, and a marker sent through a session never appears — only inner TLS records do.
 * (transport.test.ts checks the wire on both relay sockets with the relay as a process.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialGateway } from '../../desktop/src/core/dialer.ts';
import { silentLogger } from '../../gateway/src/logger.ts';
import { startGateway, type RunningGateway } from '../../gateway/src/gateway.ts';
import { loadGatewayConfig } from '../../gateway/src/config.ts';
import { silentLog } from '../../relay/src/log.ts';
import { startRelay, type RunningRelay } from '../../relay/src/relay.ts';
import type { GatewayTunnel } from '../../relay/src/tunnel-registry.ts';
import { TransportPki } from '../../shared/src/relay/transport-pki.test-support.ts';
import { dialOptionsFor, echo, gatewayEnv } from './transport-harness.ts';

const MARKER = 'POSTERN-MARKER-relay-blind-91d2';
const pki = new TransportPki();
const materials = pki.relayMaterials();
const relayView: Buffer[] = [];
let relay: RunningRelay;
let gateway: RunningGateway;

/** Records every byte the relay forwards on a tunnel's channels, both directions. */
function tapped(tunnel: GatewayTunnel): GatewayTunnel {
  return {
    ...tunnel,
    openChannel: async (origin) => {
      const relayed = await tunnel.openChannel(origin);
      const channel = relayed.stream;
      channel.on('data', (chunk: Buffer) => relayView.push(Buffer.from(chunk)));
      const write = channel.write.bind(channel) as (chunk: Buffer, ...rest: unknown[]) => boolean;
      channel.write = ((chunk: Buffer, ...rest: unknown[]) => {
        relayView.push(Buffer.from(chunk));
        return write(chunk, ...rest);
      }) as typeof channel.write;
      return relayed;
    },
  };
}

beforeAll(async () => {
  relay = await startRelay({
    relayId: 'relay-blind', sshListen: { host: '127.0.0.1', port: 0 }, tlsListen: { host: '127.0.0.1', port: 0 }, ...materials,
    firstFrameTimeoutMs: 3000, handshakeTimeoutMs: 5000, channelOpenTimeoutMs: 5000,
  }, silentLog);
  const register = relay.registry.register.bind(relay.registry);
  relay.registry.register = (tunnel) => register(tapped(tunnel));
  gateway = startGateway(loadGatewayConfig(gatewayEnv(pki, materials, {
    orgId: 'org-a', gatewayId: 'gw-blind', relaySshPort: relay.sshPort, sessionCheckUrl: 'http://127.0.0.1:1/{sessionId}',
  })), { checkSession: async (sessionId) => sessionId === 'ses-1', log: silentLogger });
  await gateway.connected();
});

afterAll(async () => {
  gateway?.close();
  await relay?.close();
});

describe('inside the relay process', () => {
  it('forwards only inner TLS records: the marker never appears in either direction', async () => {
    const socket = await dialGateway(dialOptionsFor(pki, materials, relay.tlsPort, { orgId: 'org-a', gatewayId: 'gw-blind' }));
    const payload = Buffer.from(`${MARKER}\n`.repeat(2000));
    expect((await echo(socket, payload)).equals(payload)).toBe(true);
    socket.destroy();
    const seen = Buffer.concat(relayView);
    // The tap saw the whole session both ways (so it could have seen the marker) …
    expect(seen.length).toBeGreaterThan(2 * payload.length);
    // … as TLS: a handshake record first, then application-data records (type 23, TLS 1.2 legacy version).
    expect(seen[0]).toBe(0x16);
    expect(seen.includes(Buffer.from([0x17, 0x03, 0x03]))).toBe(true);
    expect(seen.includes(MARKER)).toBe(false);
    expect(seen.includes(Buffer.from(MARKER).toString('base64').slice(0, 24))).toBe(false);
  });
});
