import net, { type AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeProbeLine, readProbeLine, zProbeAnswer } from '@postern/shared/relay/probe';
import { duplexPair } from '../../test/fixtures/duplex-pair.ts';
import type { InnerPeer } from './alpn-registry.ts';
import { probeHandler } from './probe.ts';

const platform: InnerPeer = { kind: 'platform', orgId: 'org-1' };
const sessionPeer = { kind: 'session', session: { sessionId: 's', orgId: 'org-1' } } as unknown as InnerPeer;

async function ask(peer: InnerPeer, request: string | object): Promise<unknown> {
  const [client, gatewaySide] = duplexPair();
  probeHandler(pino({ level: 'silent' }))(gatewaySide as unknown as TLSSocket, peer);
  client.write(typeof request === 'string' ? request : encodeProbeLine(request as never));
  return zProbeAnswer.parse(JSON.parse(await readProbeLine(client, 5_000)));
}

describe('postern-probe handler', () => {
  let listener: net.Server;
  let openPort: number;
  let closedPort: number;
  const sockets = new Set<net.Socket>();

  beforeAll(async () => {
    listener = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined).end();
    }).listen(0, '127.0.0.1');
    await new Promise((resolve) => listener.once('listening', resolve));
    openPort = (listener.address() as AddressInfo).port;
    const probe = net.createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => probe.once('listening', resolve));
    closedPort = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
  });
  afterAll(() => new Promise<void>((resolve) => {
    for (const socket of sockets) socket.destroy();
    listener.close(() => resolve());
  }));

  it('answers only the platform: a session certificate gets a refusal, nothing is dialled', async () => {
    expect(await ask(sessionPeer, { host: '127.0.0.1', port: openPort })).toEqual({ ok: false, error: 'postern-probe is for the platform only' });
  });

  it('an open port: ok with the connect time; a closed port: the reason', async () => {
    const open = await ask(platform, { host: '127.0.0.1', port: openPort }) as { ok: boolean; connectMs: number };
    expect(open.ok).toBe(true);
    expect(open.connectMs).toBeGreaterThanOrEqual(0);
    expect(await ask(platform, { host: '127.0.0.1', port: closedPort })).toEqual({ ok: false, error: `127.0.0.1:${closedPort}: ECONNREFUSED` });
  });

  it('a port that is open but speaks no SSH: connected, no host key, and why', async () => {
    const answer = await ask(platform, { host: '127.0.0.1', port: openPort, sshHostKey: true, timeoutMs: 2_000 }) as { ok: boolean; error: string };
    expect(answer.ok).toBe(false);
    expect(answer.error).toMatch(/connected, but no SSH host key/);
  });

  it('garbage and unknown fields are refused as a bad request', async () => {
    expect(await ask(platform, 'not json\n')).toMatchObject({ ok: false, error: expect.stringMatching(/bad probe request/) });
    expect(await ask(platform, '{"host":"h","port":22,"command":"rm"}\n')).toMatchObject({ ok: false, error: expect.stringMatching(/bad probe request/) });
  });
});
