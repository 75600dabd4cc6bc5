import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RelayFrameError } from '../errors.ts';
import { TransportPki } from './transport-pki.test-support.ts';
import { DataControlReader, encodeDataControl } from './data-control.ts';
import { decodeRelayRequest, encodeRelayRequest } from './frame.ts';

const token = 'ab'.repeat(32);

describe('data connection control messages', () => {
  it('round-trips an endpoint with a real certificate fingerprint and tokens, split at any byte', () => {
    const certSha256 = new X509Certificate(new TransportPki().relayMaterials().tlsCertificate).fingerprint256;
    const bytes = Buffer.concat([encodeDataControl({ type: 'endpoint', tlsPort: 8443, certSha256 }), encodeDataControl({ type: 'token', token })]);
    for (let split = 0; split <= bytes.length; split++) {
      const reader = new DataControlReader();
      expect([...reader.push(bytes.subarray(0, split)), ...reader.push(bytes.subarray(split))])
        .toEqual([{ type: 'endpoint', tlsPort: 8443, certSha256 }, { type: 'token', token }]);
    }
  });

  it('refuses lines that are not JSON, not a known message, carry extra fields, or never end', () => {
    for (const line of ['nope\n', '{"type":"token","token":"short"}\n', `{"type":"token","token":"${token}","x":1}\n`, '{"type":"endpoint","tlsPort":0,"certSha256":"AA"}\n']) {
      expect(() => new DataControlReader().push(Buffer.from(line))).toThrow(RelayFrameError);
    }
    expect(() => new DataControlReader().push(Buffer.alloc(2000, 0x61))).toThrow(/longer than 1024 bytes/);
    expect(() => encodeDataControl({ type: 'token', token: 'ABC' })).toThrow();
  });

  it('a data connection names its gateway and token in the request frame; a token of the wrong shape is a bad frame', () => {
    const frame = encodeRelayRequest({ gatewayId: 'gw-1', dataToken: token });
    expect(decodeRelayRequest(frame)).toEqual({ done: true, value: { gatewayId: 'gw-1', dataToken: token }, consumed: frame.length });
    const bad = Buffer.from(JSON.stringify({ gatewayId: 'gw-1', dataToken: 'XYZ' }));
    const header = Buffer.from([0x50, 0x53, 0x54, 0x52, 1, 0, bad.length]);
    expect(() => decodeRelayRequest(Buffer.concat([header, bad]))).toThrow(RelayFrameError);
  });
});
