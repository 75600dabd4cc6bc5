/**
 * The bridge logs in to the target as soon as it starts (the session is already admitted), not
 * after the client's SSH handshake: the real sshd logs the certificate login while the client
 * has not sent a byte. And a client that leaves before its handshake takes the target
 * connection with it.
 */
import type { Duplex } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectGatewaySsh } from '../../desktop/src/core/ssh/gateway-ssh-client.ts';
import { duplexPair } from '../fixtures/duplex-pair.ts';
import { serveBridge, startTargetFixture, type TargetFixture } from '../fixtures/ssh-bridge.ts';

let fixture: TargetFixture;

beforeAll(async () => {
  fixture = await startTargetFixture();
});

afterAll(async () => {
  await fixture?.sshd.close();
});

const ACCEPTED = /Accepted publickey for postern-test .* ED25519-CERT/;

it('logs in to the target before the client has sent anything, and the client then uses that login', async () => {
  const since = fixture.sshd.logs().length;
  const [clientSide, gatewaySide] = duplexPair();
  let clientBytes = 0;
  const countWrites = clientSide.write.bind(clientSide);
  clientSide.write = ((...args: Parameters<Duplex['write']>) => {
    clientBytes += Buffer.byteLength(args[0] as Buffer);
    return countWrites(...args);
  }) as Duplex['write'];
  const run = serveBridge(gatewaySide, fixture, { credential: fixture.credentials.certificate });
  await fixture.sshd.waitForLog(ACCEPTED, { since, timeoutMs: 10_000 });
  expect(clientBytes).toBe(0);

  const { client } = await connectGatewaySsh(clientSide as Duplex);
  const output = await new Promise<string>((resolve, reject) => client.exec('whoami', (error, channel) => {
    if (error) return reject(error);
    let text = '';
    channel.on('data', (chunk: Buffer) => { text += chunk.toString(); });
    channel.on('close', () => resolve(text));
  }));
  client.end();
  expect(output).toBe(`${fixture.sshd.user}\n`);
  expect(clientBytes).toBeGreaterThan(0);
  // One login for the whole session: the client's channel used the early one.
  expect(fixture.sshd.logs().slice(since).match(new RegExp(ACCEPTED.source, 'g'))).toHaveLength(1);
  expect(await run.ended).toBe('closed');
});

it('closes the target connection when the client leaves before its SSH handshake', async () => {
  const since = fixture.sshd.logs().length;
  const [clientSide, gatewaySide] = duplexPair();
  const run = serveBridge(gatewaySide, fixture, { credential: fixture.credentials.certificate });
  const accepted = await fixture.sshd.waitForLog(ACCEPTED, { since, timeoutMs: 10_000 });
  const port = /port (\d+) ssh2/.exec(accepted.slice(accepted.search(ACCEPTED)))?.[1];
  expect(port).toBeDefined();
  clientSide.destroy();
  await fixture.sshd.waitForLog(new RegExp(`(Disconnected from user postern-test|Received disconnect from|Connection closed by).* port ${port}`), { since, timeoutMs: 10_000 });
  expect(await run.ended).toBe('closed');
});

it('closes the target connection when the client leaves while the target login is still under way', async () => {
  const since = fixture.sshd.logs().length;
  const [clientSide, gatewaySide] = duplexPair();
  let release = () => {};
  const issuing = new Promise<void>((resolve) => { release = resolve; });
  const { certificate } = fixture.credentials;
  if (certificate.type !== 'certificate') throw new Error('the fixture has no certificate credential');
  const slowIssue = async (line: string) => {
    await issuing;
    return certificate.issue(line);
  };
  const run = serveBridge(gatewaySide, fixture, { credential: { ...certificate, issue: slowIssue } });
  clientSide.destroy();
  expect(await run.ended).toBe('closed');
  release();
  const accepted = await fixture.sshd.waitForLog(ACCEPTED, { since, timeoutMs: 10_000 });
  const port = /port (\d+) ssh2/.exec(accepted.slice(accepted.search(ACCEPTED)))?.[1];
  await fixture.sshd.waitForLog(new RegExp(`(Disconnected from user postern-test|Received disconnect from|Connection closed by).* port ${port}`), { since, timeoutMs: 10_000 });
});
