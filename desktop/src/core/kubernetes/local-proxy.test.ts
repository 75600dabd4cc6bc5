import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalProxyListenError } from './errors.ts';
import { startLocalKubeProxy, type LocalKubeProxy } from './local-proxy.ts';

/** Stands in for the gateway: a TCP echo server; each "gateway stream" is a real socket to it. */
let gateway: Server;
let gatewayPort: number;
let gatewaySockets: Socket[];
const proxies: LocalKubeProxy[] = [];

const dialGateway = async (): Promise<Duplex> => {
  const socket = connect(gatewayPort, '127.0.0.1');
  await once(socket, 'connect');
  return socket;
};

function exchange(port: number, message: string, timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(message));
    let received = '';
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`timed out; got ${JSON.stringify(received)}`)); }, timeoutMs);
    socket.on('data', (d: Buffer) => { received += d.toString(); });
    socket.on('close', () => { clearTimeout(timer); resolve(received); });
    socket.on('error', (error) => { clearTimeout(timer); reject(error); });
    setTimeout(() => socket.end(), 100);
  });
}

async function start(options: Partial<Parameters<typeof startLocalKubeProxy>[0]> = {}): Promise<LocalKubeProxy> {
  const proxy = await startLocalKubeProxy({ openStream: dialGateway, ...options });
  proxies.push(proxy);
  return proxy;
}

describe('local Kubernetes proxy', () => {
  beforeEach(async () => {
    gatewaySockets = [];
    gateway = createServer((socket) => { gatewaySockets.push(socket); socket.pipe(socket); socket.on('error', () => socket.destroy()); });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    gatewayPort = (gateway.address() as AddressInfo).port;
  });
  afterEach(async () => {
    await Promise.all(proxies.splice(0).map((p) => p.close()));
    for (const socket of gatewaySockets) socket.destroy();
    await new Promise((resolve) => gateway.close(resolve));
  });

  it('pipes each kubectl connection over its own gateway stream, byte for byte, on loopback', async () => {
    const proxy = await start();
    expect(proxy.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await exchange(proxy.port, 'GET /api HTTP/1.1\r\n\r\n')).toBe('GET /api HTTP/1.1\r\n\r\n');
    expect(await exchange(proxy.port, 'second connection')).toBe('second connection');
    // Two connections used two streams, and one more is already dialled for the next.
    expect(gatewaySockets.length).toBe(3);
  });

  it('keeps one stream dialled ahead; without pre-dial nothing is dialled until kubectl connects', async () => {
    await start();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(gatewaySockets.length).toBe(1);
    const lazy = await start({ preDial: false });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(gatewaySockets.length).toBe(1);
    expect(await exchange(lazy.port, 'x')).toBe('x');
    expect(gatewaySockets.length).toBe(2);
  });

  it('a pre-dialled stream the gateway closed is not handed to kubectl', async () => {
    const proxy = await start();
    await new Promise((resolve) => setTimeout(resolve, 100));
    gatewaySockets[0]!.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await exchange(proxy.port, 'fresh stream')).toBe('fresh stream');
  });

  it('when the gateway cannot be reached, kubectl gets an HTTP 503 that says so', async () => {
    const errors: unknown[] = [];
    const proxy = await start({ openStream: () => Promise.reject(new Error('relay refused: gateway offline')), onError: (e) => errors.push(e) });
    const answer = await exchange(proxy.port, 'GET /api HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
    expect(answer).toContain('cannot open a connection to the gateway (relay refused: gateway offline)');
    expect(errors.length).toBeGreaterThanOrEqual(1);
  });

  it('closes at the session end: the port stops accepting and open connections are cut', async () => {
    const proxy = await start({ expiresAt: new Date(Date.now() + 400) });
    const open = connect(proxy.port, '127.0.0.1');
    await once(open, 'connect');
    const closedAt = once(open, 'close');
    expect(await proxy.closed).toBe('expired');
    await closedAt;
    await expect(exchange(proxy.port, 'late')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('stop closes it as stopped; a taken port is a clear error', async () => {
    const first = await start();
    await expect(startLocalKubeProxy({ openStream: dialGateway, port: first.port })).rejects.toBeInstanceOf(LocalProxyListenError);
    await first.close();
    expect(await first.closed).toBe('stopped');
  });
});
