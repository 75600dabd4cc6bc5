/**
 * The dialer's failure paths that need no gateway (the full path, with the real relay and
 * gateway processes, is test/e2e/transport*.test.ts), and the held stream it pipelines through.
 */
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import { Duplex, PassThrough } from 'node:stream';
import tls from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeRelayRequest, encodeRelayStatus } from '@postern/shared/relay/frame';
import { readFirstFrame } from '@postern/shared/relay/read-frame';
import { TransportPki } from '@postern/shared/relay/transport-pki.test-support';
import { dialGateway, warmTlsTrustStore, type DialGatewayOptions } from './dialer.ts';
import { HeldReadStream } from './dialer-stream.ts';

const pki = new TransportPki();
const materials = pki.relayMaterials();
const servers: net.Server[] = [];
afterAll(() => { for (const server of servers) server.close(); });

/** A TLS server with the relay's certificate that runs `onClient` after the handshake. */
async function fakeRelay(onClient: (socket: tls.TLSSocket) => void): Promise<number> {
  const server = tls.createServer({ key: materials.tlsKey, cert: materials.tlsCertificate, requestCert: true, rejectUnauthorized: false }, onClient);
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

function options(port: number, overrides: Partial<DialGatewayOptions> = {}): DialGatewayOptions {
  const relayClient = pki.relayClient('org-a');
  const session = pki.session('org-a', 'gw-1');
  return {
    relay: { host: '127.0.0.1', port, ca: materials.tlsServerCa, cert: relayClient.certPem, key: relayClient.keyPem },
    gatewayId: 'gw-1', gateway: { ca: pki.org('org-a').gatewayServerCa.certificatePem }, session: { cert: session.certPem, key: session.keyPem },
    alpn: 'postern-ping', timeoutMs: 3000, ...overrides,
  };
}

describe('dialGateway failures', () => {
  it('says the relay is unreachable when nothing listens on its port', async () => {
    const closed = net.createServer().listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    await expect(dialGateway(options(port))).rejects.toMatchObject({ code: 'relay_unreachable', message: expect.stringMatching(/ECONNREFUSED/) });
  });

  it('says the relay is untrusted when its certificate is not from the given Relay PKI Server CA', async () => {
    const port = await fakeRelay((socket) => socket.destroy());
    await expect(dialGateway(options(port, { relay: { ...options(port).relay, ca: pki.relayClientCa.certificatePem } })))
      .rejects.toMatchObject({ code: 'relay_untrusted' });
  });

  it('trusts no more after the trust-store warm-up: the relay from another CA is still refused, the right one reached', async () => {
    warmTlsTrustStore();
    const port = await fakeRelay((socket) => socket.end(encodeRelayStatus({ status: 'gateway_offline', message: 'down' })));
    await expect(dialGateway(options(port, { relay: { ...options(port).relay, ca: pki.relayClientCa.certificatePem } })))
      .rejects.toMatchObject({ code: 'relay_untrusted' });
    await expect(dialGateway(options(port))).rejects.toMatchObject({ code: 'relay_refused' });
  });

  it("turns the relay's refusal into RelayRefusedError with the relay's reason, after reading the frame it was sent", async () => {
    const frames: unknown[] = [];
    const port = await fakeRelay((socket) => {
      readFirstFrame(socket, decodeRelayRequest, 2000).then((request) => {
        frames.push(request);
        socket.end(encodeRelayStatus({ status: 'gateway_offline', message: 'gateway gw-1 is not connected right now' }));
      }, () => socket.destroy());
    });
    await expect(dialGateway(options(port))).rejects.toMatchObject({ code: 'relay_refused', reason: 'gateway_offline', message: expect.stringMatching(/not connected right now/) });
    // The first frame asks for no status on success; the refusal it got instead is read on a second dial that asks for one.
    expect(frames).toEqual([{ gatewayId: 'gw-1', silentOk: true }, { gatewayId: 'gw-1' }]);
  });

  it('gives up with a typed error when the relay never answers the frame', async () => {
    const port = await fakeRelay(() => undefined);
    await expect(dialGateway(options(port, { timeoutMs: 500 }))).rejects.toMatchObject({ code: 'relay_refused', reason: 'no_answer' });
  });
});

describe('dialGateway to a gateway', () => {
  /** The gateway's inner TLS server (never listening) with its admission answer, echoing after it. */
  function fakeGateway(): tls.Server {
    const credentials = pki.gatewayTls('org-a', 'gw-1');
    return tls.createServer({
      key: credentials.keyPem, cert: credentials.certPem, ca: credentials.clientCaPem, requestCert: true, rejectUnauthorized: false, ALPNProtocols: ['postern-ping'],
    }, (socket) => {
      socket.write(encodeRelayStatus({ status: 'ok', message: '' }));
      socket.pipe(socket);
    });
  }

  /** A relay that hands every connection to the gateway after the frame; `okAnyway` plays a relay that predates silentOk. */
  async function relayTo(gateway: tls.Server, okAnyway = false): Promise<{ port: number; frames: unknown[]; closed: Promise<unknown>[] }> {
    const frames: unknown[] = [];
    const closed: Promise<unknown>[] = [];
    const port = await fakeRelay((socket) => {
      closed.push(once(socket, 'close'));
      readFirstFrame(socket, decodeRelayRequest, 2000).then((request) => {
        frames.push(request);
        if (okAnyway && request.silentOk) return void socket.end(encodeRelayStatus({ status: 'bad_frame', message: 'unknown field silentOk' }));
        if (!request.silentOk) socket.write(encodeRelayStatus({ status: 'ok', message: '' }));
        gateway.emit('connection', socket);
      }, () => socket.destroy());
    });
    return { port, frames, closed };
  }

  it('runs the inner TLS on the relay connection with one dial when the relay answers only refusals; closing it closes the relay connection', async () => {
    const relay = await relayTo(fakeGateway());
    const socket = await dialGateway(options(relay.port));
    expect(socket.alpnProtocol).toBe('postern-ping');
    socket.write('ping');
    const [echoed] = await once(socket, 'data') as [Buffer];
    expect(echoed.toString()).toBe('ping');
    expect(relay.frames).toEqual([{ gatewayId: 'gw-1', silentOk: true }]);
    socket.destroy();
    await relay.closed[0];
  });

  it('still connects through a relay that refuses the silentOk frame, by dialling again the old way', async () => {
    const relay = await relayTo(fakeGateway(), true);
    const socket = await dialGateway(options(relay.port));
    socket.write('pong');
    const [echoed] = await once(socket, 'data') as [Buffer];
    expect(echoed.toString()).toBe('pong');
    expect(relay.frames).toEqual([{ gatewayId: 'gw-1', silentOk: true }, { gatewayId: 'gw-1' }]);
    socket.destroy();
  });
});

describe('HeldReadStream', () => {
  it('passes writes through at once but delivers reads only after start()', async () => {
    const written: Buffer[] = [];
    const outer = new Duplex({ read() {}, write(chunk, _e, cb) { written.push(chunk as Buffer); cb(); } });
    const held = new HeldReadStream(outer);
    const read: Buffer[] = [];
    held.on('data', (chunk: Buffer) => read.push(chunk));
    held.write('client hello');
    outer.push(Buffer.from('status frame'));
    // The status frame is for the dialer, not for the inner TLS: nothing may leak before start().
    const status = await readFirstFrame(outer, (bytes) => ({ done: true, value: Buffer.from(bytes).toString(), consumed: 6 }), 500);
    expect(status).toBe('status frame');
    outer.push(Buffer.from('server hello'));
    expect(read).toEqual([]);
    held.start();
    await new Promise((resolve) => setImmediate(resolve));
    expect(Buffer.concat(read).toString()).toBe(' frameserver hello');
    expect(Buffer.concat(written).toString()).toBe('client hello');
  });

  it('ends when the outer stream ends, and closes when it closes', async () => {
    const outer = new PassThrough();
    const held = new HeldReadStream(outer);
    held.start();
    held.resume();
    const ended = once(held, 'end');
    const closed = once(held, 'close');
    outer.end();
    await ended;
    await closed;
    expect(held.destroyed).toBe(true);
  });

  it('is destroyed with the error of the outer stream', async () => {
    const outer = new PassThrough();
    const held = new HeldReadStream(outer);
    const failed = once(held, 'error');
    outer.destroy(new Error('relay connection reset'));
    expect(((await failed)[0] as Error).message).toBe('relay connection reset');
  });
});
