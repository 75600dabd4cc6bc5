/**
 * Data connections on an in-process relay, with a raw ssh2 Client as the gateway and raw TLS
 * sockets as its data connections and as a client: the control channel, the tokens, a session
 * spliced onto an idle data connection, the SSH-channel fallback, and every refusal.
 */
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import tls, { type TLSSocket } from 'node:tls';
import type { ClientChannel } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATA_CONTROL_ORIGIN, DataControlReader, type DataControlMessage } from '@postern/shared/relay/data-control';
import { decodeRelayStatus, encodeRelayRequest, RELAY_STATUS } from '@postern/shared/relay/frame';
import { readFirstFrame } from '@postern/shared/relay/read-frame';
import { TransportPki } from '@postern/shared/relay/transport-pki.test-support';
import { connectAsGateway } from './gateway-login.test-support.ts';
import { silentLog } from './log.ts';
import { startRelay, type RunningRelay } from './relay.ts';

const pki = new TransportPki();
const materials = pki.relayMaterials();
const POOL = 2;
let relay: RunningRelay;

beforeAll(async () => {
  relay = await startRelay({
    relayId: 'relay-data', sshListen: { host: '127.0.0.1', port: 0 }, tlsListen: { host: '127.0.0.1', port: 0 }, ...materials,
    firstFrameTimeoutMs: 2000, handshakeTimeoutMs: 3000, channelOpenTimeoutMs: 2000, dataConnections: POOL,
  }, silentLog);
});
afterAll(() => relay?.close());

/** A logged-in gateway that records what its control channel says and the SSH channels it is given. */
async function gateway(gatewayId: string) {
  const messages: DataControlMessage[] = [];
  const sshChannels: ClientChannel[] = [];
  const reader = new DataControlReader();
  const attempt = await connectAsGateway(gatewayId, pki.gatewaySsh('org-a', gatewayId), {
    sshPort: relay.sshPort, hostCaKey: materials.sshHostCaKey,
    onChannel: (channel, details) => {
      if (details.srcIP === DATA_CONTROL_ORIGIN) channel.on('data', (chunk: Buffer) => messages.push(...reader.push(chunk)));
      else sshChannels.push(channel);
    },
  });
  expect(attempt.forwarded).toBe(true);
  const tokens = async (count: number) => {
    await expect.poll(() => messages.filter((m) => m.type === 'token').length).toBeGreaterThanOrEqual(count);
    return messages.flatMap((m) => (m.type === 'token' ? [m.token] : []));
  };
  return { messages, sshChannels, tokens, client: attempt.client };
}

function tlsTo(options: tls.ConnectionOptions = {}): Promise<TLSSocket> {
  const socket = tls.connect({ host: '127.0.0.1', port: relay.tlsPort, ca: materials.tlsServerCa, ...options });
  socket.on('error', () => undefined);
  return once(socket, 'secureConnect').then(() => socket);
}

/** A client with org A's relay client certificate. */
function clientTls(): Promise<TLSSocket> {
  const { certPem, keyPem } = pki.relayClient('org-a');
  return tlsTo({ cert: certPem, key: keyPem });
}

/** A data connection presenting `token` as `gatewayId`'s (no client certificate). */
async function dataConnection(gatewayId: string, token: string): Promise<TLSSocket> {
  const socket = await tlsTo();
  socket.write(encodeRelayRequest({ gatewayId, dataToken: token }));
  return socket;
}

const idleOf = (gatewayId: string) => {
  const found = relay.registry.lookup(gatewayId);
  return found.state === 'online' ? found.tunnel.dataPool?.idleCount ?? 0 : 0;
};

async function readText(socket: TLSSocket, text: string): Promise<void> {
  let seen = '';
  const onData = (chunk: Buffer) => { seen += chunk.toString(); };
  socket.on('data', onData);
  await expect.poll(() => seen, { timeout: 3000 }).toBe(text);
  socket.off('data', onData);
}

describe('data connections', () => {
  it('the control channel names the TLS port and the certificate to pin, then one token per pooled connection', async () => {
    const gw = await gateway('gw-d1');
    const tokens = await gw.tokens(POOL);
    expect(gw.messages[0]).toEqual({ type: 'endpoint', tlsPort: relay.tlsPort, certSha256: new X509Certificate(materials.tlsCertificate).fingerprint256 });
    expect(new Set(tokens).size).toBe(POOL);
    gw.client.end();
  });

  it('a session takes an idle data connection: the gateway is told to start, bytes flow both ways, and a new token replaces it', async () => {
    const gw = await gateway('gw-d2');
    const connections = await Promise.all((await gw.tokens(POOL)).map((token) => dataConnection('gw-d2', token)));
    await expect.poll(() => idleOf('gw-d2')).toBe(POOL);
    const client = await clientTls();
    client.write(Buffer.concat([encodeRelayRequest({ gatewayId: 'gw-d2' }), Buffer.from('hello')]));
    expect(await readFirstFrame(client, decodeRelayStatus, 3000)).toEqual({ status: 'ok', message: '' });
    const taken = connections[0]!;
    expect(await readFirstFrame(taken, decodeRelayStatus, 3000)).toEqual({ status: 'ok', message: '' });
    await readText(taken, 'hello');
    taken.write('world');
    await readText(client, 'world');
    expect(gw.sshChannels).toHaveLength(0);
    await gw.tokens(POOL + 1);
    expect(idleOf('gw-d2')).toBe(POOL - 1);
    client.destroy();
    gw.client.end();
  });

  it('with no idle data connection the session gets an SSH channel, as before', async () => {
    const gw = await gateway('gw-d3');
    await gw.tokens(POOL); // never dialled
    const client = await clientTls();
    client.write(encodeRelayRequest({ gatewayId: 'gw-d3' }));
    expect(await readFirstFrame(client, decodeRelayStatus, 3000)).toEqual({ status: 'ok', message: '' });
    await expect.poll(() => gw.sshChannels.length).toBe(1);
    client.destroy();
    gw.client.end();
  });

  it('a token works once and only for its own gateway; unknown tokens and certificate-less clients are refused', async () => {
    const [a, b] = await Promise.all([gateway('gw-d4'), gateway('gw-d5')]);
    const [tokenA] = await a.tokens(1);
    const [tokenB] = await b.tokens(1);
    const refusal = async (socket: TLSSocket) => (await readFirstFrame(socket, decodeRelayStatus, 3000)).status;
    expect(await refusal(await dataConnection('gw-d4', tokenB!))).toBe('data_token_refused'); // B's token, presented as A
    expect(await refusal(await dataConnection('gw-d5', tokenB!))).toBe('data_token_refused'); // and now spent
    expect(await refusal(await dataConnection('gw-d4', 'f'.repeat(64)))).toBe('data_token_refused');
    const noToken = await tlsTo();
    noToken.write(encodeRelayRequest({ gatewayId: 'gw-d4' }));
    expect(await refusal(noToken)).toBe('client_certificate_refused');
    const first = await dataConnection('gw-d4', tokenA!);
    await expect.poll(() => idleOf('gw-d4')).toBe(1);
    expect(await refusal(await dataConnection('gw-d4', tokenA!))).toBe('data_token_refused');
    expect(RELAY_STATUS.data_token_refused).toBe(11);
    first.destroy();
    a.client.end();
    b.client.end();
  });

  it('idle data connections close when the gateway\'s tunnel does', async () => {
    const gw = await gateway('gw-d6');
    const connections = await Promise.all((await gw.tokens(POOL)).map((token) => dataConnection('gw-d6', token)));
    await expect.poll(() => idleOf('gw-d6')).toBe(POOL);
    gw.client.end();
    await Promise.all(connections.map((socket) => once(socket, 'close')));
  });
});
