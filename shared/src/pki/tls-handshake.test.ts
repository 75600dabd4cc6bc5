/**
 * Real node:tls TLS 1.3 mutual authentication on loopback with Postern certificates: the gateway
 * requires a client certificate from its org's gateway client CA, the client pins the gateway's
 * URI SAN. This is the inner hop of DESIGN.md "Access flow" step 3, minus the relay.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { X509CertificateError } from '../errors.ts';
import { issueGatewayServerCert, issuePlatformClientCert, issueRelayClientCert, issueRelayServerCert, issueSessionClientCert } from './issue.ts';
import { makeOrgPki, makeRequester, type OrgPki } from './openssl.test-support.ts';
import { pinGatewayIdentity, readOrgId, readSessionParameters } from './peer-identity.ts';
import { readCertificate } from './read-certificate.ts';

const hour = 3600_000;
const caStart = new Date(Date.now() - 24 * hour);
const orgA = makeOrgPki('org-a', caStart);
const orgB = makeOrgPki('org-b', caStart);

interface Gateway {
  port: number;
  clientErrors: Error[];
  secureConnections: number;
  close(): Promise<void>;
}

/**
 * A gateway's inner TLS endpoint: answers each client with what it read from the client's
 * certificate. Node's server drops a refused client without saying why (the client sees a bare
 * close, the server "socket hang up"), so `explainRefusals` runs a second, observing endpoint
 * that completes the handshake and answers with OpenSSL's verdict instead.
 */
async function startGateway(org: OrgPki, gatewayId: string, explainRefusals = false): Promise<Gateway> {
  const requester = makeRequester('gateway');
  const cert = issueGatewayServerCert(org.gatewayServerCa, { csr: requester.csr, gatewayId });
  const clientErrors: Error[] = [];
  const server = tls.createServer({
    key: requester.keyPem, cert: cert.pem, ca: [org.gatewayClientCa.certificatePem],
    requestCert: true, rejectUnauthorized: !explainRefusals, minVersion: 'TLSv1.3', ALPNProtocols: ['postern-ssh', 'postern-k8s'],
  }, (socket) => {
    gateway.secureConnections++;
    if (!socket.authorized) {
      socket.end(JSON.stringify({ refused: socket.authorizationError }));
      return;
    }
    const peer = socket.getPeerX509Certificate();
    const role = peer ? readCertificate(peer).parameters.role : 'none';
    try {
      const answer = role === 'session-client' ? { role, alpn: socket.alpnProtocol, ...readSessionParameters(peer!, gatewayId) } : { role };
      socket.end(JSON.stringify(answer));
    } catch (error) {
      socket.end(JSON.stringify({ refused: (error as X509CertificateError).code }));
    }
  });
  server.on('tlsClientError', (error) => clientErrors.push(error));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const gateway: Gateway = {
    port: (server.address() as AddressInfo).port,
    clientErrors,
    secureConnections: 0,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  return gateway;
}

interface DialResult {
  answer?: Record<string, unknown>;
  error?: Error;
  handshakeMs: number;
}

/** A client dialing the gateway with a client certificate, pinning `pinnedGatewayId`. Settles within 5 s. */
function dial(port: number, org: OrgPki, client: { keyPem: string; certPem: string }, pinnedGatewayId: string): Promise<DialResult> {
  const started = performance.now();
  let handshakeMs = Number.NaN;
  return new Promise((resolve) => {
    const socket = tls.connect({
      host: '127.0.0.1', port, ca: [org.gatewayServerCa.certificatePem], key: client.keyPem, cert: client.certPem,
      checkServerIdentity: pinGatewayIdentity(pinnedGatewayId), minVersion: 'TLSv1.3', ALPNProtocols: ['postern-ssh'],
    });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(new Error('dial timed out')), 5000);
    const finish = (result: Omit<DialResult, 'handshakeMs'>) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...result, handshakeMs });
    };
    socket.on('secureConnect', () => { handshakeMs = performance.now() - started; });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => finish(chunks.length ? { answer: JSON.parse(Buffer.concat(chunks).toString('utf8')) } : { error: new Error('closed without an answer') }));
    socket.on('error', (error) => finish({ error }));
  });
}

function sessionClient(org: OrgPki, overrides: { now?: Date; sessionEndsAt?: Date; gatewayId?: string } = {}) {
  const requester = makeRequester('client');
  const cert = issueSessionClientCert(org.gatewayClientCa, {
    csr: requester.csr, sessionId: 'ses-1', gatewayId: overrides.gatewayId ?? 'gw-1', resourceId: 'res-1', accountId: 'acct-1',
    sessionEndsAt: overrides.sessionEndsAt ?? new Date(Date.now() + hour), ...(overrides.now ? { now: overrides.now } : {}),
  });
  return { keyPem: requester.keyPem, certPem: cert.pem };
}

describe('TLS 1.3 mutual authentication with Postern certificates', () => {
  let gateway: Gateway;
  let observer: Gateway;
  beforeAll(async () => {
    gateway = await startGateway(orgA, 'gw-1');
    observer = await startGateway(orgA, 'gw-1', true);
  });
  afterAll(async () => { await Promise.all([gateway.close(), observer.close()]); });

  /** Dials the strict gateway (must refuse: no session, a dropped handshake) and the observer (says why). */
  async function expectRefusedByGateway(client: { keyPem: string; certPem: string }): Promise<unknown> {
    const before = { errors: gateway.clientErrors.length, connections: gateway.secureConnections };
    const result = await dial(gateway.port, orgA, client, 'gw-1');
    expect(result.answer).toBeUndefined();
    await waitForError(gateway, before.errors, /socket hang up/);
    expect(gateway.secureConnections).toBe(before.connections);
    return (await dial(observer.port, orgA, client, 'gw-1')).answer;
  }

  it('connects a session client to its gateway; the gateway reads the session from the certificate', async () => {
    const result = await dial(gateway.port, orgA, sessionClient(orgA), 'gw-1');
    expect(result.error).toBeUndefined();
    expect(result.answer).toMatchObject({ role: 'session-client', alpn: 'postern-ssh', orgId: 'org-a', sessionId: 'ses-1', gatewayId: 'gw-1', resourceId: 'res-1', accountId: 'acct-1' });
    expect(result.handshakeMs).toBeLessThan(300);
  });

  it('connects the platform with its own certificate from the same CA', async () => {
    const requester = makeRequester('platform');
    const cert = issuePlatformClientCert(orgA.gatewayClientCa, { csr: requester.csr, notAfter: new Date(Date.now() + hour) });
    const result = await dial(gateway.port, orgA, { keyPem: requester.keyPem, certPem: cert.pem }, 'gw-1');
    expect(result.answer).toEqual({ role: 'platform-client' });
  });

  it("gateway refuses a session meant for another of the org's gateways", async () => {
    const result = await dial(gateway.port, orgA, sessionClient(orgA, { gatewayId: 'gw-2' }), 'gw-1');
    expect(result.answer).toEqual({ refused: 'x509_wrong_identity' });
  });

  it('client refuses a gateway whose URI SAN is not the pinned gateway id', async () => {
    const result = await dial(gateway.port, orgA, sessionClient(orgA), 'gw-2');
    expect(result.answer).toBeUndefined();
    expect(result.error).toMatchObject({ code: 'x509_wrong_identity' });
    expect(result.error?.message).toContain('urn:postern:gateway:gw-2');
  });

  it("client refuses another org's gateway even when the gateway id matches", async () => {
    const foreignGateway = await startGateway(orgB, 'gw-1');
    try {
      const result = await dial(foreignGateway.port, orgA, sessionClient(orgA), 'gw-1');
      expect(result.answer).toBeUndefined();
      expect(result.error?.message).toMatch(/unable to get local issuer certificate|self.signed|unable to verify/i);
    } finally {
      await foreignGateway.close();
    }
  });

  it("gateway refuses a client certificate from another org's CA", async () => {
    expect(await expectRefusedByGateway(sessionClient(orgB))).toEqual({ refused: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
  });

  it('gateway refuses a session certificate past its not-after (the session has ended)', async () => {
    const ended = sessionClient(orgA, { now: new Date(Date.now() - 3 * hour), sessionEndsAt: new Date(Date.now() - hour) });
    expect(await expectRefusedByGateway(ended)).toEqual({ refused: 'CERT_HAS_EXPIRED' });
  });
});

describe('TLS 1.3 to the relay with relay PKI certificates', () => {
  it('client checks the relay by its IP SAN (standard hostname check); the relay reads the org from the client cert', async () => {
    const relayKeys = makeRequester('relay');
    const relayCert = issueRelayServerCert(orgA.relayServerCa, { csr: relayKeys.csr, dnsNames: ['relay.test'], ipAddresses: ['127.0.0.1'] });
    const server = tls.createServer({
      key: relayKeys.keyPem, cert: relayCert.pem, ca: [orgA.relayClientCa.certificatePem], requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.3',
    }, (socket) => socket.end(readOrgId(socket.getPeerX509Certificate()!)));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const client = makeRequester('client');
      const clientCert = issueRelayClientCert(orgA.relayClientCa, { csr: client.csr, orgId: 'org-a', actorId: 'user-1', notAfter: new Date(Date.now() + hour) });
      const socket = tls.connect({
        host: '127.0.0.1', port: (server.address() as AddressInfo).port, ca: [orgA.relayServerCa.certificatePem],
        key: client.keyPem, cert: clientCert.pem, minVersion: 'TLSv1.3',
      });
      const [data] = await Promise.race([once(socket, 'data'), once(socket, 'error').then(([error]) => { throw error; })]) as [Buffer];
      socket.destroy();
      expect(data.toString()).toBe('org-a');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

/** Waits (≤ 2 s) for the gateway to report a refused handshake matching `pattern` after the first `skip` errors. */
async function waitForError(gateway: Gateway, skip: number, pattern: RegExp): Promise<void> {
  const deadline = Date.now() + 2000;
  while (!gateway.clientErrors.slice(skip).some((error) => pattern.test(error.message))) {
    if (Date.now() > deadline) throw new Error(`no refusal matching ${pattern}; saw: ${gateway.clientErrors.slice(skip).map((e) => e.message).join(' | ')}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
