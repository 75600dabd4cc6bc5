/**
 * The transport under failure, with real processes: the relay killed and started again, a
 * gateway killed under live sessions, and truncated, oversized and garbage input at every
 * listener (relay TLS, relay SSH, the gateway's inner TLS through the relay) — each closes its
 * own connection and the process goes on serving others.
 */
import { once } from 'node:events';
import net from 'node:net';
import tls, { type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialGateway } from '../../desktop/src/core/dialer.ts';
import { decodeRelayStatus, encodeRelayRequest } from '../../shared/src/relay/frame.ts';
import { TransportPki } from '../../shared/src/relay/transport-pki.test-support.ts';
import {
  dialOptionsFor, echo, freePort, startGatewayProcess, startRelayProcess, startSessionCheck, type ChildHandle, type RelayProcess,
} from './transport-harness.ts';

const pki = new TransportPki();
const materials = pki.relayMaterials();
const A1 = { orgId: 'org-a', gatewayId: 'gw-a1' };
const A2 = { orgId: 'org-a', gatewayId: 'gw-a2' };

let relay: RelayProcess;
let relayPorts: { sshPort: number; tlsPort: number };
let sessionCheck: Awaited<ReturnType<typeof startSessionCheck>>;
const gateways: { a1?: ChildHandle; a2?: ChildHandle } = {};

const dial = (spec: { orgId: string; gatewayId: string }) => dialGateway(dialOptionsFor(pki, materials, relayPorts.tlsPort, spec));

async function expectPing(spec: { orgId: string; gatewayId: string }): Promise<void> {
  const socket = await dial(spec);
  try {
    expect((await echo(socket, Buffer.from('still serving'))).toString()).toBe('still serving');
  } finally {
    socket.destroy();
  }
}

/** Resolves with everything the peer sent until it closed the connection (bounded: a hang fails the test). */
function readUntilClosed(socket: net.Socket, timeoutMs = 8000): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => undefined);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { socket.destroy(); reject(new Error('the connection was not closed')); }, timeoutMs);
    socket.once('close', () => { clearTimeout(timer); resolve(Buffer.concat(chunks)); });
  });
}

/** A TLS connection to the relay with org A's valid relay client certificate, before any frame. */
async function relayTlsConnection(): Promise<TLSSocket> {
  const client = pki.relayClient('org-a');
  const socket = tls.connect({ host: '127.0.0.1', port: relayPorts.tlsPort, ca: materials.tlsServerCa, cert: client.certPem, key: client.keyPem, minVersion: 'TLSv1.3' });
  await once(socket, 'secureConnect');
  return socket;
}

function statusOf(bytes: Buffer): string {
  const decoded = decodeRelayStatus(bytes);
  return decoded.done ? decoded.value.status : 'incomplete';
}

beforeAll(async () => {
  relayPorts = { sshPort: await freePort(), tlsPort: await freePort() };
  [sessionCheck, relay] = await Promise.all([startSessionCheck(), startRelayProcess(materials, relayPorts)]);
  gateways.a1 = startGatewayProcess(pki, materials, { ...A1, relaySshPort: relayPorts.sshPort, sessionCheckUrl: sessionCheck.url });
  gateways.a2 = startGatewayProcess(pki, materials, { ...A2, relaySshPort: relayPorts.sshPort, sessionCheckUrl: sessionCheck.url });
  await Promise.all([gateways.a1.waitForEvent('tunnel_connected', 20_000), gateways.a2.waitForEvent('tunnel_connected', 20_000)]);
}, 60_000);

afterAll(async () => {
  await Promise.all([gateways.a1?.kill(), gateways.a2?.kill(), relay?.kill()]);
  await sessionCheck?.close();
});

describe('bad input at the relay TLS listener closes that connection only', () => {
  it.each([
    ['garbage instead of a TLS handshake', async () => {
      const socket = net.connect(relayPorts.tlsPort, '127.0.0.1');
      socket.write(Buffer.from('GET / HTTP/1.1\r\nHost: relay\r\n\r\n'));
      return { closed: readUntilClosed(socket), expectStatus: undefined };
    }],
    ['a truncated TLS ClientHello, then EOF', async () => {
      const socket = net.connect(relayPorts.tlsPort, '127.0.0.1');
      socket.end(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01]));
      return { closed: readUntilClosed(socket), expectStatus: undefined };
    }],
    ['a garbage first frame', async () => {
      const socket = await relayTlsConnection();
      socket.write(Buffer.from('hello relay, route me anywhere please'));
      return { closed: readUntilClosed(socket), expectStatus: 'bad_frame' };
    }],
    ['an oversized first frame', async () => {
      const socket = await relayTlsConnection();
      socket.write(Buffer.concat([Buffer.from('PSTR\x01'), Buffer.from([0xff, 0xff]), Buffer.alloc(70_000, 0x41)]));
      return { closed: readUntilClosed(socket), expectStatus: 'bad_frame' };
    }],
    // The client has closed its side, so the relay's answer has nowhere to go; it logs the refusal.
    ['a truncated first frame, then EOF', async () => {
      const fromLine = relay.lineCount();
      const socket = await relayTlsConnection();
      const closed = readUntilClosed(socket);
      socket.end(encodeRelayRequest({ gatewayId: 'gw-a1' }).subarray(0, 10));
      expect(await relay.waitForEvent('client_refused', 5000, fromLine)).toMatchObject({ status: 'bad_frame' });
      return { closed, expectStatus: undefined };
    }],
  ])('%s', async (_name, attack) => {
    const { closed, expectStatus } = await attack();
    const answer = await closed;
    if (expectStatus) expect(statusOf(answer)).toBe(expectStatus);
    expect(relay.child.exitCode).toBeNull();
    await expectPing(A1);
  });
});

describe('bad input at the relay SSH listener closes that connection only', () => {
  it.each([
    ['garbage instead of an SSH identification', Buffer.from('\x00\xff garbage garbage\r\n'.repeat(50))],
    ['an identification then a garbage packet', Buffer.concat([Buffer.from('SSH-2.0-attacker\r\n'), Buffer.from([0x7f, 0xff, 0xff, 0xff]), Buffer.alloc(64, 1)])],
    ['an oversized identification line', Buffer.from(`SSH-2.0-${'x'.repeat(100_000)}\r\n`)],
    ['a truncated identification, then EOF', Buffer.from('SSH-2.')],
  ])('%s', async (_name, bytes) => {
    const socket = net.connect(relayPorts.sshPort, '127.0.0.1');
    socket.end(bytes);
    await readUntilClosed(socket);
    expect(relay.child.exitCode).toBeNull();
    await expectPing(A1);
  });
});

describe("bad input at a gateway's inner TLS (through the relay) closes that connection only", () => {
  it.each([
    ['garbage instead of a ClientHello', Buffer.from('not TLS at all '.repeat(100))],
    ['a truncated ClientHello, then EOF', Buffer.from([0x16, 0x03, 0x01, 0x01, 0x00, 0x01, 0x00, 0x00, 0xfc, 0x03, 0x03])],
    ['an oversized TLS record', Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0xff, 0xff]), Buffer.alloc(70_000, 7)])],
  ])('%s', async (_name, bytes) => {
    const pidBefore = gateways.a1!.pid;
    const socket = await relayTlsConnection();
    socket.end(Buffer.concat([encodeRelayRequest({ gatewayId: 'gw-a1' }), bytes]));
    const answer = await readUntilClosed(socket);
    expect(statusOf(answer)).toBe('ok');
    expect(gateways.a1!.child.exitCode).toBeNull();
    expect(gateways.a1!.pid).toBe(pidBefore);
    await expectPing(A1);
  });
});

describe('failures of whole processes', () => {
  it("a killed gateway's sessions end; the other gateway's sessions go on; the dead one is reported offline", async () => {
    const onA1 = await dial(A1);
    const onA2 = await dial(A2);
    const a2Closed = once(onA2, 'close');
    onA2.on('error', () => undefined);
    await gateways.a2!.kill('SIGKILL');
    await Promise.race([a2Closed, new Promise((_, reject) => setTimeout(() => reject(new Error('the session on the killed gateway did not end')), 5000))]);
    expect((await echo(onA1, Buffer.from('a1 goes on'))).toString()).toBe('a1 goes on');
    onA1.destroy();
    await expect(dial(A2)).rejects.toMatchObject({ code: 'relay_refused', reason: 'gateway_offline' });
  });

  it('kill the relay and start it again: the gateway is back within 5 s and new sessions work', async () => {
    const open = await dial(A1);
    const openClosed = once(open, 'close');
    open.on('error', () => undefined);
    const fromLine = gateways.a1!.lineCount();
    await relay.kill('SIGKILL');
    await openClosed;
    await expect(dial(A1)).rejects.toMatchObject({ code: 'relay_unreachable' });
    const restartedAt = performance.now();
    relay = await startRelayProcess(materials, relayPorts);
    await gateways.a1!.waitForEvent('tunnel_connected', 5000, fromLine);
    const backAfterMs = performance.now() - restartedAt;
    expect(backAfterMs).toBeLessThan(5000);
    await expectPing(A1);
    console.log(`gateway back ${Math.round(backAfterMs)} ms after the relay restart began (includes the relay's own start)`);
  });
});
