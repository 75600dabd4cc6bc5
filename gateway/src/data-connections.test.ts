/**
 * The gateway's data connections against a TLS server standing in for the relay's TLS port, and
 * an in-memory control channel: the pin, the token in the first frame, the hand-over to a session.
 */
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { PassThrough, type Duplex } from 'node:stream';
import tls, { type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeDataControl } from '@postern/shared/relay/data-control';
import { decodeRelayRequest, encodeRelayStatus, type RelayRequest } from '@postern/shared/relay/frame';
import { readFirstFrame } from '@postern/shared/relay/read-frame';
import { TransportPki } from '@postern/shared/relay/transport-pki.test-support';
import { serveDataControl } from './data-connections.ts';

const pki = new TransportPki();
const materials = pki.relayMaterials();
const certSha256 = new X509Certificate(materials.tlsCertificate).fingerprint256;
const token = 'c3'.repeat(32);
let relayTls: tls.Server;
let port: number;
const arrived: Array<{ socket: TLSSocket; request: RelayRequest }> = [];

beforeAll(async () => {
  relayTls = tls.createServer({ key: materials.tlsKey, cert: materials.tlsCertificate }, (socket) => {
    socket.on('error', () => undefined);
    void readFirstFrame(socket, decodeRelayRequest, 3000).then((request) => arrived.push({ socket, request }), () => socket.destroy());
  });
  relayTls.listen(0, '127.0.0.1');
  await once(relayTls, 'listening');
  port = (relayTls.address() as AddressInfo).port;
});
afterAll(() => new Promise((resolve) => relayTls.close(resolve)));

function gatewaySide(pauseAfterFailureMs?: number) {
  const control = new PassThrough();
  const sessions: Duplex[] = [];
  const warnings: Array<Record<string, unknown>> = [];
  const log = { info: () => undefined, error: () => undefined, warn: (fields: object) => void warnings.push(fields as Record<string, unknown>) };
  const served = serveDataControl(control, {
    gatewayId: 'gw-1', relayHost: '127.0.0.1', onSession: (socket) => sessions.push(socket), log, ...(pauseAfterFailureMs ? { pauseAfterFailureMs } : {}),
  });
  return { control, sessions, warnings, served };
}

describe('gateway data connections', () => {
  it('dials the announced port, presents the token, waits, and hands the connection over with the bytes after the go frame', async () => {
    const { control, sessions, served } = gatewaySide();
    arrived.length = 0;
    control.write(Buffer.concat([encodeDataControl({ type: 'endpoint', tlsPort: port, certSha256 }), encodeDataControl({ type: 'token', token })]));
    await expect.poll(() => arrived.length).toBe(1);
    expect(arrived[0]!.request).toEqual({ gatewayId: 'gw-1', dataToken: token });
    expect(sessions).toHaveLength(0); // idle until the relay says go
    arrived[0]!.socket.write(Buffer.concat([encodeRelayStatus({ status: 'ok', message: '' }), Buffer.from('client hello')]));
    await expect.poll(() => sessions.length).toBe(1);
    const [first] = await once(sessions[0]!, 'data') as [Buffer];
    expect(first.toString()).toBe('client hello');
    served.close();
    sessions[0]!.destroy();
  });

  it('refuses a relay whose certificate is not the announced one, and says so', async () => {
    const { control, sessions, warnings, served } = gatewaySide();
    arrived.length = 0;
    control.write(Buffer.concat([encodeDataControl({ type: 'endpoint', tlsPort: port, certSha256: certSha256.replace(/^../, '00') }), encodeDataControl({ type: 'token', token })]));
    await expect.poll(() => warnings.length).toBe(1);
    expect(warnings[0]).toMatchObject({ event: 'data_connection_failed', reason: expect.stringContaining('is not the one its tunnel announced') });
    expect(arrived).toHaveLength(0); // the token never left the gateway
    expect(sessions).toHaveLength(0);
    served.close();
  });

  it('after a failed dial, tokens go unused for a while (one warning, not one per session), then dialling resumes', async () => {
    const { control, warnings, served } = gatewaySide(300);
    arrived.length = 0;
    control.write(Buffer.concat([encodeDataControl({ type: 'endpoint', tlsPort: port, certSha256: certSha256.replace(/^../, '00') }), encodeDataControl({ type: 'token', token })]));
    await expect.poll(() => warnings.length).toBe(1);
    control.write(Buffer.concat([encodeDataControl({ type: 'endpoint', tlsPort: port, certSha256 }), encodeDataControl({ type: 'token', token })]));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(arrived).toHaveLength(0); // paused: the relay's token expires, sessions take the SSH tunnel
    await new Promise((resolve) => setTimeout(resolve, 300));
    control.write(encodeDataControl({ type: 'token', token }));
    await expect.poll(() => arrived.length).toBe(1);
    expect(warnings).toHaveLength(1);
    served.close();
  });

  it('a malformed control message closes the control channel and its idle connections; a refusal from the relay is logged', async () => {
    const { control, warnings } = gatewaySide();
    arrived.length = 0;
    control.write(Buffer.concat([encodeDataControl({ type: 'endpoint', tlsPort: port, certSha256 }), encodeDataControl({ type: 'token', token })]));
    await expect.poll(() => arrived.length).toBe(1);
    arrived[0]!.socket.write(encodeRelayStatus({ status: 'data_token_refused', message: 'spent' }));
    await expect.poll(() => warnings.some((w) => String(w.reason).includes('the relay refused it: spent'))).toBe(true);
    control.write('not json\n');
    await expect.poll(() => warnings.some((w) => w.event === 'data_control_malformed')).toBe(true);
    expect(control.destroyed).toBe(true);
  });
});
