/**
 * Issue 4's transport, end to end with real processes on loopback: `postern-relay` and three
 * `postern-gateway`s (two of org A, one of org B) as child processes, the client dialer in the
 * test process, a session-check endpoint the gateways ask, and recording proxies in front of
 * both relay listeners. Restart and kill cases come last: they change the processes.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialGateway } from '../../desktop/src/core/dialer.ts';
import { createCertificateAuthority } from '../../shared/src/pki/ca.ts';
import { tamperCertificate, TransportPki } from '../../shared/src/relay/transport-pki.test-support.ts';
import {
  dialOptionsFor, echo, freePort, listeningTcpSocketsOf, startGatewayProcess, startRecordingProxy, startRelayProcess, startSessionCheck,
  type ChildHandle, type RelayProcess,
} from './transport-harness.ts';

const pki = new TransportPki();
const materials = pki.relayMaterials();
const MARKER = 'POSTERN-MARKER-c0ffee-7f3a9c';

let relay: RelayProcess;
let relayPorts: { sshPort: number; tlsPort: number };
let sessionCheck: Awaited<ReturnType<typeof startSessionCheck>>;
let sshProxy: Awaited<ReturnType<typeof startRecordingProxy>>;
let tlsProxy: Awaited<ReturnType<typeof startRecordingProxy>>;
const gateways: Record<'a1' | 'a2' | 'b1', ChildHandle> = {} as never;
const GATEWAY_SPECS = { a1: { orgId: 'org-a', gatewayId: 'gw-a1' }, a2: { orgId: 'org-a', gatewayId: 'gw-a2' }, b1: { orgId: 'org-b', gatewayId: 'gw-b1' } };

const dial = (spec: Parameters<typeof dialOptionsFor>[3], port = tlsProxy.port) => dialGateway(dialOptionsFor(pki, materials, port, spec));

/** Waits (bounded) for a JSON log line of the relay process that `match` accepts. */
async function waitForRelayLine(match: (line: Record<string, unknown>) => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const lines = () => relay.output().split('\n').filter(Boolean).map((line) => { try { return JSON.parse(line) as Record<string, unknown>; } catch { return {}; } });
  while (!lines().some(match)) {
    if (Date.now() > deadline) throw new Error(`the relay did not log the expected line within ${timeoutMs} ms:\n${relay.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function expectPing(spec: { orgId: string; gatewayId: string }): Promise<void> {
  const socket = await dial(spec);
  try {
    expect((await echo(socket, Buffer.from(`ping ${spec.gatewayId}`))).toString()).toBe(`ping ${spec.gatewayId}`);
  } finally {
    socket.destroy();
  }
}

beforeAll(async () => {
  relayPorts = { sshPort: await freePort(), tlsPort: await freePort() };
  // Gateways dial their data connections through the TLS proxy too, so it records those bytes as well.
  const tlsProxyPort = await freePort();
  [sessionCheck, relay] = await Promise.all([startSessionCheck(), startRelayProcess(materials, relayPorts, 'node', { POSTERN_RELAY_DATA_PORT: String(tlsProxyPort) })]);
  [sshProxy, tlsProxy] = await Promise.all([startRecordingProxy(relay.sshPort), startRecordingProxy(relay.tlsPort, tlsProxyPort)]);
  for (const [name, spec] of Object.entries(GATEWAY_SPECS)) {
    gateways[name as keyof typeof gateways] = startGatewayProcess(pki, materials, { ...spec, relaySshPort: sshProxy.port, sessionCheckUrl: sessionCheck.url });
  }
  await Promise.all(Object.values(gateways).map((gateway) => gateway.waitForEvent('tunnel_connected', 20_000)));
  await Promise.all(Object.values(GATEWAY_SPECS).map(({ gatewayId }) => waitForRelayLine((line) => line.event === 'gateway_data_connections_ready' && line.gatewayId === gatewayId)));
}, 60_000);

afterAll(async () => {
  await Promise.all([...Object.values(gateways).map((g) => g?.kill()), relay?.kill()]);
  await Promise.all([sshProxy?.close(), tlsProxy?.close(), sessionCheck?.close()]);
});

describe('the relay sees only ciphertext; the gateway listens on nothing', () => {
  it('echoes a marker through client → relay → gateway, and no byte on either relay socket contains it', async () => {
    const before = { ssh: sshProxy.captured().length, tls: tlsProxy.captured().length };
    const payload = Buffer.from(`${MARKER} `.repeat(4096));
    const socket = await dial(GATEWAY_SPECS.a1);
    expect((await echo(socket, payload)).equals(payload)).toBe(true);
    socket.destroy();
    const ssh = sshProxy.captured();
    const tls = tlsProxy.captured();
    // The session went over a data connection: client → relay and relay → gateway are both TLS
    // connections through the proxy, so it saw the payload both ways on both legs.
    expect(relay.output()).toContain('"path":"data"');
    expect(tls.length - before.tls).toBeGreaterThan(4 * payload.length);
    for (const captured of [ssh, tls]) {
      expect(captured.includes(MARKER)).toBe(false);
      expect(captured.includes(Buffer.from(MARKER, 'utf16le'))).toBe(false);
    }
  });

  it('the gateway process has no listening TCP socket (the relay, checked the same way, has two)', () => {
    for (const gateway of Object.values(gateways)) expect(listeningTcpSocketsOf(gateway.pid)).toEqual([]);
    expect(listeningTcpSocketsOf(relay.pid)).toHaveLength(2);
  });
});

describe('tenancy', () => {
  it("a client with org B's relay certificate cannot reach org A's gateway", async () => {
    await expect(dial({ orgId: 'org-a', gatewayId: 'gw-a1', relayClient: pki.relayClient('org-b') }))
      .rejects.toMatchObject({ code: 'relay_refused', reason: 'org_mismatch' });
  });

  it("org B's session certificate is refused by org A's gateway even through an org A relay connection", async () => {
    await expect(dial({ orgId: 'org-a', gatewayId: 'gw-a1', session: pki.session('org-b', 'gw-a1') }))
      .rejects.toMatchObject({ code: 'gateway_refused', reason: 'client_certificate_refused', message: expect.stringMatching(/not a CA trusted here/) });
  });

  it("org B's client reaches org B's gateway (the refusals above are about the org, not the setup)", async () => {
    await expectPing(GATEWAY_SPECS.b1);
  });

  it("the platform reaches an org's gateway the same way, with its relay certificate and the org's platform certificate", async () => {
    const socket = await dial({ orgId: 'org-a', gatewayId: 'gw-a2', session: pki.platform('org-a') });
    expect((await echo(socket, Buffer.from('health'))).toString()).toBe('health');
    socket.destroy();
    await expect(dial({ orgId: 'org-a', gatewayId: 'gw-a2', session: pki.platform('org-b') }))
      .rejects.toMatchObject({ code: 'gateway_refused', reason: 'client_certificate_refused' });
  });

  it('a gateway id that never connected is reported as unknown', async () => {
    await expect(dial({ orgId: 'org-a', gatewayId: 'gw-nowhere' })).rejects.toMatchObject({ code: 'relay_refused', reason: 'unknown_gateway' });
  });
});

const otherRelayClientCa = createCertificateAuthority({ kind: 'relay-client', now: new Date(Date.now() - 86_400_000) }).authority;
const otherGatewayClientCa = createCertificateAuthority({ kind: 'gateway-client', orgId: 'org-a', now: new Date(Date.now() - 86_400_000) }).authority;

describe('certificates refused at the relay hop, with a clear error', () => {
  it.each([
    ['expired', () => pki.relayClient('org-a', { validity: 'expired' }), /expired/],
    ['not yet valid', () => pki.relayClient('org-a', { validity: 'not-yet-valid' }), /valid only from/],
    ['tampered', () => { const c = pki.relayClient('org-a'); return { ...c, certPem: tamperCertificate(c.certPem) }; }, /signature does not verify/],
    ['from another CA', () => pki.relayClient('org-a', { ca: otherRelayClientCa }), /not a CA trusted here/],
  ])('%s relay client certificate', async (_name, relayClient, why) => {
    const error = await dial({ orgId: 'org-a', gatewayId: 'gw-a1', relayClient: relayClient() }).catch((e: Error) => e);
    expect(error).toMatchObject({ code: 'relay_refused', reason: 'client_certificate_refused' });
    expect((error as Error).message).toMatch(why);
  });

  it("a relay whose certificate is not from the client's Relay PKI Server CA is not trusted", async () => {
    await expect(dial({ orgId: 'org-a', gatewayId: 'gw-a1', relayCa: otherRelayClientCa.certificatePem }))
      .rejects.toMatchObject({ code: 'relay_untrusted' });
  });
});

describe('gateway SSH certificates refused at the relay, with the reason in both logs', () => {
  const otherSshCa = generateKeyPairSync('ed25519');
  it.each([
    ['expired', () => pki.gatewaySsh('org-a', 'gw-a3', { validity: 'expired' }), 'ssh_cert_expired', /expired at .*re-enroll/],
    ['not yet valid', () => pki.gatewaySsh('org-a', 'gw-a3', { validity: 'not-yet-valid' }), 'ssh_cert_not_yet_valid', /valid only from .*clock/],
    ['from another CA', () => pki.gatewaySsh('org-a', 'gw-a3', { ca: otherSshCa.privateKey }), 'ssh_cert_wrong_ca', /not from its Relay SSH Client CA/],
  ])('%s: the gateway is never registered, says why, and keeps retrying; the relay serves others', async (_name, ssh, relayReason, gatewayAdvice) => {
    const relayFrom = relay.lineCount();
    const gateway = startGatewayProcess(pki, materials, { orgId: 'org-a', gatewayId: 'gw-a3', relaySshPort: sshProxy.port, sessionCheckUrl: sessionCheck.url, ssh: ssh() });
    try {
      expect(await relay.waitForEvent('gateway_auth_refused', 20_000, relayFrom)).toMatchObject({ user: 'gw-a3', reason: relayReason });
      expect((await gateway.waitForEvent('tunnel_auth_refused', 20_000)).msg).toMatch(gatewayAdvice);
      await gateway.waitForEvent('tunnel_retry', 5000);
      await expect(dial({ orgId: 'org-a', gatewayId: 'gw-a3' })).rejects.toMatchObject({ code: 'relay_refused', reason: 'unknown_gateway' });
      await expectPing(GATEWAY_SPECS.a1);
    } finally {
      await gateway.kill();
    }
  });
});

describe('certificates refused at the gateway hop, with a clear error', () => {
  it.each([
    ['expired', () => pki.session('org-a', 'gw-a1', { validity: 'expired' }), 'client_certificate_refused', /expired/],
    ['not yet valid', () => pki.session('org-a', 'gw-a1', { validity: 'not-yet-valid' }), 'client_certificate_refused', /valid only from/],
    ['tampered', () => { const c = pki.session('org-a', 'gw-a1'); return { ...c, certPem: tamperCertificate(c.certPem) }; }, 'client_certificate_refused', /signature does not verify/],
    ['from another CA of the same org', () => pki.session('org-a', 'gw-a1', { ca: otherGatewayClientCa }), 'client_certificate_refused', /not a CA trusted here/],
    ['for another gateway of the org', () => pki.session('org-a', 'gw-a2'), 'gateway_mismatch', /for gateway gw-a2/],
  ])('%s session certificate', async (_name, session, reason, why) => {
    const error = await dial({ orgId: 'org-a', gatewayId: 'gw-a1', session: session() }).catch((e: Error) => e);
    expect(error).toMatchObject({ code: 'gateway_refused', reason });
    expect((error as Error).message).toMatch(why);
  });

  it('a revoked session (the server says it is not active) is refused; another session goes on', async () => {
    sessionCheck.revoked.add('ses-revoked');
    await expect(dial({ orgId: 'org-a', gatewayId: 'gw-a1', session: pki.session('org-a', 'gw-a1', { sessionId: 'ses-revoked' }) }))
      .rejects.toMatchObject({ code: 'gateway_refused', reason: 'session_refused', message: expect.stringMatching(/no longer active/) });
    await expectPing(GATEWAY_SPECS.a1);
  });

  it("a gateway certificate that is not from the org's Gateway Server CA fails the pin", async () => {
    await expect(dial({ orgId: 'org-a', gatewayId: 'gw-a1', gatewayCa: pki.org('org-b').gatewayServerCa.certificatePem }))
      .rejects.toMatchObject({ code: 'gateway_pin_mismatch' });
  });

  it('an ALPN protocol the gateway does not serve is refused', async () => {
    await expect(dial({ orgId: 'org-a', gatewayId: 'gw-a1', alpn: 'postern-nothing' }))
      .rejects.toMatchObject({ code: 'gateway_refused', reason: 'unsupported_protocol' });
  });
});
