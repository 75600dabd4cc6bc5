import { EventEmitter } from 'node:events';
import net from 'node:net';
import { PassThrough } from 'node:stream';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateEd25519KeyPair } from '@postern/shared/ssh/keys';
import { encodeOpenSshPrivateKey } from '@postern/shared/ssh/private-key';
import { closeSessions, echoAll, errorType, execCat, openSessions, type EchoSession } from './echo-sessions.ts';

/** An ssh2 server on loopback whose exec channels echo (what `cat` does), accepting auth "none". */
let server: InstanceType<typeof ssh2.Server>;
let port: number;

beforeAll(async () => {
  server = new ssh2.Server({ hostKeys: [encodeOpenSshPrivateKey(generateEd25519KeyPair().privateKey)] }, (connection) => {
    connection.on('authentication', (ctx) => ctx.accept());
    connection.on('error', () => undefined);
    connection.on('session', (accept) => accept().once('exec', (acceptExec) => {
      const channel = acceptExec();
      channel.on('data', (chunk: Buffer) => channel.write(chunk));
    }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function echoSession(): Promise<EchoSession> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    client.on('error', reject);
    client.once('ready', () => execCat(client).then((channel) => resolve({ client, channel }), reject));
    client.connect({ host: '127.0.0.1', port, username: 'bench', readyTimeout: 10_000 });
  });
}

it('opens sessions at most `concurrency` at a time, each until its first echo, and counts each failure by type', async () => {
  let inFlight = 0;
  let most = 0;
  const opened = await openSessions(12, 3, async (index) => {
    inFlight += 1;
    most = Math.max(most, inFlight);
    await new Promise((resolve) => setTimeout(resolve, 5));
    inFlight -= 1;
    if (index % 4 === 0) throw Object.assign(new Error(`refused session ${index} after ${index * 7} ms`), { code: 'ECONNREFUSED' });
    // A PassThrough echoes what is written to it, which is all the readiness echo needs.
    const client = new EventEmitter() as unknown as EchoSession['client'];
    return { client, channel: new PassThrough() as unknown as EchoSession['channel'] };
  });
  expect(most).toBe(3);
  expect(opened.sessions).toHaveLength(9);
  expect(opened.openMs).toHaveLength(9);
  expect([...opened.errors]).toEqual([['Error(ECONNREFUSED): refused session N after N ms', 3]]);
});

it('counts a session whose channel closes before its first echo as a failed open, and ends its connection', async () => {
  let ended = 0;
  const opened = await openSessions(1, 1, async () => {
    const client = Object.assign(new EventEmitter(), { end: () => { ended += 1; } }) as unknown as EchoSession['client'];
    const channel = new PassThrough({ write: (_chunk, _encoding, done) => { done(); channel.destroy(); } });
    return { client, channel: channel as unknown as EchoSession['channel'] };
  });
  expect(opened.sessions).toHaveLength(0);
  expect([...opened.errors]).toEqual([['Error: the channel closed after N/N echoed bytes', 1]]);
  expect(ended).toBe(1);
});

it('names errors by class, code and message with the numbers blanked', () => {
  expect(errorType(new TypeError('port 2222 closed'))).toBe('TypeError: port N closed');
  expect(errorType('bare string')).toBe('non-error: bare string');
});

it('echoes round trips on real SSH exec channels, all sessions at once, then closes every connection', async () => {
  const opened = await openSessions(4, 2, () => echoSession());
  expect(opened.errors.size).toBe(0);
  const echoed = await echoAll(opened.sessions, 5, 64, 2);
  expect(echoed.errors.size).toBe(0);
  expect(echoed.samples).toHaveLength(20);
  expect(echoed.settled).toHaveLength(12);
  expect(echoed.samples.every((ms) => ms > 0 && ms < 10_000)).toBe(true);
  await closeSessions(opened.sessions, 10_000);
  await expect(Promise.all(opened.sessions.map((session) => session.closed))).resolves.toHaveLength(4);
});

it('counts a session whose channel closes mid-echo as an error instead of throwing', async () => {
  const opened = await openSessions(2, 2, () => echoSession());
  opened.sessions[0]!.channel.close();
  const echoed = await echoAll(opened.sessions, 3, 64);
  expect(echoed.samples).toHaveLength(3);
  expect([...echoed.errors.keys()]).toEqual(['Error: the channel closed after N/N echoed bytes']);
  await closeSessions(opened.sessions, 10_000);
});
