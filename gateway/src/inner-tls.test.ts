/**
 * The gateway's inner TLS admission on its own: channels are loopback socket pairs injected the
 * way forwarded SSH channels are, the client is node:tls with Postern certificates. The path
 * through a real relay is in test/e2e/transport*.test.ts.
 */
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateSigningRequest } from '@postern/shared/pki/csr';
import { issueSessionClientCert } from '@postern/shared/pki/issue';
import { exportPrivateKeyPem, generatePkiKeyPair } from '@postern/shared/pki/keys';
import { pinGatewayIdentity } from '@postern/shared/pki/peer-identity';
import { readCertificate } from '@postern/shared/pki/read-certificate';
import { decodeRelayStatus } from '@postern/shared/relay/frame';
import { readFirstFrame } from '@postern/shared/relay/read-frame';
import { TransportPki, type TlsCredentials } from '@postern/shared/relay/transport-pki.test-support';
import { defaultAlpnHandlers, pingHandler } from './alpn-registry.ts';
import { createInnerTlsServer } from './inner-tls.ts';
import { silentLogger } from './logger.ts';

const pki = new TransportPki();
const gatewayTls = pki.gatewayTls('org-a', 'gw-1');
const checked: string[] = [];
/** A protocol with its own admission (as postern-ssh admits by its credentials call). */
const OWN_ADMISSION = 'postern-own-admission';
const ownAdmissions: string[] = [];
const handlers = defaultAlpnHandlers().register(OWN_ADMISSION, pingHandler, async (_stream, session) => {
  ownAdmissions.push(session.sessionId);
  return session.sessionId !== 'ses-ended';
});
const inner = createInnerTlsServer({
  gatewayId: 'gw-1', orgId: 'org-a', certificate: gatewayTls.certPem, key: gatewayTls.keyPem, trustedClientCas: [gatewayTls.clientCaPem],
  handlers, handshakeTimeoutMs: 2000, log: silentLogger,
  checkSession: async (sessionId) => {
    checked.push(sessionId);
    if (sessionId === 'ses-unreachable') throw new Error('server unreachable');
    return sessionId !== 'ses-ended';
  },
});

// Stands in for the relay: each accepted loopback connection is handed to the gateway as a channel.
let channelSource: net.Server;
beforeAll(async () => {
  channelSource = net.createServer((socket) => inner.serve(socket)).listen(0, '127.0.0.1');
  await once(channelSource, 'listening');
});
afterAll(() => {
  inner.close();
  channelSource.close();
});

/** Connects as a client, returns the gateway's status and, when ok, the live socket. */
async function connect(client: TlsCredentials, alpn = 'postern-ping'): Promise<{ status: string; message: string; socket: tls.TLSSocket }> {
  const raw = net.connect((channelSource.address() as AddressInfo).port, '127.0.0.1');
  const socket = tls.connect({
    socket: raw, ca: pki.org('org-a').gatewayServerCa.certificatePem, cert: client.certPem, key: client.keyPem,
    checkServerIdentity: pinGatewayIdentity('gw-1'), ALPNProtocols: [alpn], minVersion: 'TLSv1.3',
  });
  socket.on('error', () => undefined);
  await once(socket, 'secureConnect');
  const answer = await readFirstFrame(socket, decodeRelayStatus, 3000);
  return { ...answer, socket };
}

describe('inner TLS admission at the gateway', () => {
  it('admits an active session, asks the server about it, and serves postern-ping', async () => {
    const { status, socket } = await connect(pki.session('org-a', 'gw-1', { sessionId: 'ses-live' }));
    expect(status).toBe('ok');
    expect(checked).toContain('ses-live');
    socket.write('ping');
    const [echoed] = await once(socket, 'data') as [Buffer];
    expect(echoed.toString()).toBe('ping');
    socket.destroy();
  });

  it('lets a protocol with its own admission admit instead of the session check', async () => {
    const before = checked.length;
    const { status, socket } = await connect(pki.session('org-a', 'gw-1', { sessionId: 'ses-own' }), OWN_ADMISSION);
    expect(status).toBe('ok');
    expect(ownAdmissions).toContain('ses-own');
    expect(checked.length).toBe(before);
    socket.destroy();
    const refused = await connect(pki.session('org-a', 'gw-1', { sessionId: 'ses-ended' }), OWN_ADMISSION);
    expect(refused.status).toBe('session_refused');
    expect(refused.message).toMatch(/no longer active/);
    expect(checked.length).toBe(before);
    refused.socket.destroy();
  });

  it('admits the platform without a session check', async () => {
    const before = checked.length;
    const { status, socket } = await connect(pki.platform('org-a'));
    expect(status).toBe('ok');
    expect(checked.length).toBe(before);
    socket.destroy();
  });

  it.each([
    ['an ended session', () => pki.session('org-a', 'gw-1', { sessionId: 'ses-ended' }), 'session_refused', /no longer active/],
    ['a session the server cannot confirm', () => pki.session('org-a', 'gw-1', { sessionId: 'ses-unreachable' }), 'session_refused', /could not be checked/],
    ['a session for another gateway', () => pki.session('org-a', 'gw-2'), 'gateway_mismatch', /for gateway gw-2, not gw-1/],
    ['an expired session certificate', () => pki.session('org-a', 'gw-1', { validity: 'expired' }), 'client_certificate_refused', /expired/],
  ])('refuses %s with a reason the client can read', async (_name, client, status, why) => {
    const answer = await connect(client());
    expect(answer.status).toBe(status);
    expect(answer.message).toMatch(why);
    answer.socket.destroy();
  });

  it("closes the stream at the session's end (the certificate's not-after)", async () => {
    const keys = generatePkiKeyPair();
    const endsAt = new Date(Date.now() + 2500);
    const cert = issueSessionClientCert(pki.org('org-a').gatewayClientCa, {
      csr: createCertificateSigningRequest(keys, 'session'), sessionId: 'ses-short', gatewayId: 'gw-1', resourceId: 'r', accountId: 'a', sessionEndsAt: endsAt,
    });
    // X.509 times have one-second resolution: the certificate ends at the whole second before.
    const notAfter = readCertificate(cert.pem).notAfter.getTime();
    const { status, socket } = await connect({ certPem: cert.pem, keyPem: exportPrivateKeyPem(keys.privateKey) });
    expect(status).toBe('ok');
    await Promise.race([once(socket, 'close'), new Promise((_, reject) => setTimeout(() => reject(new Error('still open 3 s after the session end')), 3500))]);
    expect(Date.now()).toBeGreaterThanOrEqual(notAfter - 50);
  });

  it('a channel carrying garbage is closed and the next channel is served', async () => {
    const raw = net.connect((channelSource.address() as AddressInfo).port, '127.0.0.1');
    raw.on('error', () => undefined);
    raw.resume();
    raw.end(Buffer.from('\x16\x03\x01\xff\xffnot a client hello'));
    await once(raw, 'close');
    const { status, socket } = await connect(pki.session('org-a', 'gw-1', { sessionId: 'ses-after-garbage' }));
    expect(status).toBe('ok');
    socket.destroy();
  });
});
