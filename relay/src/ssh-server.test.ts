/**
 * The relay's SSH listener against a raw ssh2 Client playing the gateway: which certificates
 * log in, which forward requests register a tunnel, and that a newer connection of the same
 * gateway replaces the older one. (The full path with the real gateway is in test/e2e.)
 */
import { generateKeyPairSync } from 'node:crypto';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransportPki, type GatewaySshCredentials } from '@postern/shared/relay/transport-pki.test-support';
import { parseSshCertificate } from '@postern/shared/ssh/certificate';
import { encodeOpenSshPrivateKey } from '@postern/shared/ssh/private-key';
import { SSH2_HOST_CERT_ALGORITHMS_ONLY } from '@postern/shared/ssh/ssh2-certificates';
import { connectAsGateway as connectLogin } from './gateway-login.test-support.ts';
import { silentLog } from './log.ts';
import { startRelay, type RunningRelay } from './relay.ts';

const { Client } = ssh2;
const pki = new TransportPki();
const materials = pki.relayMaterials();
let relay: RunningRelay;

beforeAll(async () => {
  relay = await startRelay({
    relayId: 'relay-test', sshListen: { host: '127.0.0.1', port: 0 }, tlsListen: { host: '127.0.0.1', port: 0 }, ...materials,
    firstFrameTimeoutMs: 2000, handshakeTimeoutMs: 3000, channelOpenTimeoutMs: 2000,
  }, silentLog);
});
afterAll(() => relay?.close());

const connectAsGateway = (username: string, credentials: GatewaySshCredentials, bindAddr = username) =>
  connectLogin(username, credentials, { sshPort: relay.sshPort, hostCaKey: materials.sshHostCaKey, bindAddr });

describe('gateway login to the relay', () => {
  it('accepts a valid gateway certificate, registers the tunnel under the gateway id and org from the key id', async () => {
    const attempt = await connectAsGateway('gw-1', pki.gatewaySsh('org-a', 'gw-1'));
    expect(attempt).toMatchObject({ loggedIn: true, forwarded: true });
    const found = relay.registry.lookup('gw-1');
    expect(found.state === 'online' && found.tunnel.orgId).toBe('org-a');
    attempt.client.end();
  });

  const otherCa = generateKeyPairSync('ed25519');
  it.each([
    ['expired', () => pki.gatewaySsh('org-a', 'gw-2', { validity: 'expired' })],
    ['not yet valid', () => pki.gatewaySsh('org-a', 'gw-2', { validity: 'not-yet-valid' })],
    ['signed by another CA', () => pki.gatewaySsh('org-a', 'gw-2', { ca: otherCa.privateKey })],
    ['for another gateway id (principal)', () => pki.gatewaySsh('org-a', 'gw-other')],
    ['tampered (principal rewritten after signing)', () => tamperPrincipal(pki.gatewaySsh('org-a', 'gw-x'), 'gw-x', 'gw-2')],
  ])('refuses a certificate that is %s; nothing is registered', async (_name, credentials) => {
    const attempt = await connectAsGateway('gw-2', credentials());
    expect(attempt.loggedIn).toBe(false);
    expect(attempt.error).toMatch(/authentication methods failed/);
    expect(relay.registry.lookup('gw-2').state).toBe('unknown');
  });

  it('refuses a plain key without a certificate', async () => {
    const key = generateKeyPairSync('ed25519');
    const client = new Client();
    const error = await new Promise<Error>((resolve) => {
      client.on('error', resolve).on('ready', () => resolve(new Error('logged in')));
      client.connect({
        host: '127.0.0.1', port: relay.sshPort, username: 'gw-3', privateKey: encodeOpenSshPrivateKey(key.privateKey),
        algorithms: { serverHostKey: [...SSH2_HOST_CERT_ALGORITHMS_ONLY] as never }, hostVerifier: () => true,
      });
    });
    expect(error.message).toMatch(/authentication methods failed/);
  });

  it('refuses shells, commands and direct TCP from a logged-in gateway', async () => {
    const attempt = await connectAsGateway('gw-6', pki.gatewaySsh('org-a', 'gw-6'));
    expect(attempt.forwarded).toBe(true);
    const execError = await new Promise<Error | undefined>((resolve) => attempt.client.exec('id', (error) => resolve(error)));
    expect(execError?.message).toMatch(/Channel open failure/);
    const directError = await new Promise<Error | undefined>((resolve) => attempt.client.forwardOut('127.0.0.1', 1, '127.0.0.1', relay.tlsPort, (error) => resolve(error)));
    expect(directError?.message).toMatch(/Channel open failure/);
    attempt.client.end();
  });

  it('refuses to forward any bind address but the gateway id', async () => {
    const attempt = await connectAsGateway('gw-4', pki.gatewaySsh('org-a', 'gw-4'), 'gw-1');
    expect(attempt).toMatchObject({ loggedIn: true, forwarded: false });
    expect(relay.registry.lookup('gw-4').state).toBe('unknown');
    attempt.client.end();
  });

  it('a new connection of the same gateway replaces the old one, which the relay closes', async () => {
    const first = await connectAsGateway('gw-5', pki.gatewaySsh('org-a', 'gw-5'));
    const firstClosed = new Promise<void>((resolve) => first.client.once('close', () => resolve()));
    const second = await connectAsGateway('gw-5', pki.gatewaySsh('org-a', 'gw-5'));
    expect(second.forwarded).toBe(true);
    await firstClosed;
    expect(relay.registry.lookup('gw-5').state).toBe('online');
    second.client.end();
    await new Promise<void>((resolve) => second.client.once('close', () => resolve()));
    await expect.poll(() => relay.registry.lookup('gw-5').state, { timeout: 3000 }).toBe('offline');
  });
});

/** Re-encodes the certificate with another principal, keeping the old signature. */
function tamperPrincipal(credentials: GatewaySshCredentials, from: string, to: string): GatewaySshCredentials {
  const blob = parseSshCertificate(credentials.certificate).blob;
  const encode = (s: string) => Buffer.concat([Buffer.from([0, 0, 0, s.length]), Buffer.from(s)]);
  const at = blob.indexOf(encode(from));
  expect(at).toBeGreaterThan(0);
  expect(from.length).toBe(to.length);
  const tampered = Buffer.concat([blob.subarray(0, at), encode(to), blob.subarray(at + 4 + from.length)]);
  const [type] = credentials.certificate.split(' ');
  return { privateKey: credentials.privateKey, certificate: `${type} ${tampered.toString('base64')}` };
}
