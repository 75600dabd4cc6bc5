import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { RelayFrameError } from '../errors.ts';
import {
  MAX_REQUEST_BODY_BYTES, decodeRelayRequest, decodeRelayStatus, encodeRelayRequest, encodeRelayStatus, type RelayStatusName,
} from './frame.ts';
import { formatGatewayKeyId, parseGatewayKeyId } from './gateway-ssh-identity.ts';
import { readFirstFrame } from './read-frame.ts';

describe('relay request frame', () => {
  it('encodes to the documented bytes', () => {
    const bytes = encodeRelayRequest({ gatewayId: 'gw-1' });
    const body = '{"gatewayId":"gw-1"}';
    expect(bytes.subarray(0, 7).toString('hex')).toBe(`50535452` + `01` + body.length.toString(16).padStart(4, '0'));
    expect(bytes.subarray(7).toString('utf8')).toBe(body);
  });

  it('decodes what it encodes and reports the bytes consumed, leaving pipelined data', () => {
    const frame = encodeRelayRequest({ gatewayId: 'gw.a_b-9' });
    const result = decodeRelayRequest(Buffer.concat([frame, Buffer.from([0x16, 0x03, 0x01])]));
    expect(result).toEqual({ done: true, value: { gatewayId: 'gw.a_b-9' }, consumed: frame.length });
  });

  it('asks for more on every strict prefix and never throws on one', () => {
    const frame = encodeRelayRequest({ gatewayId: 'gw-1' });
    for (let n = 0; n < frame.length; n++) expect(decodeRelayRequest(frame.subarray(0, n))).toEqual({ done: false });
  });

  it.each([
    ['garbage magic', Buffer.from('GET / HTTP/1.1\r\n')],
    ['a TLS ClientHello instead of a frame', Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00])],
    ['an oversized length', Buffer.concat([Buffer.from('PSTR\x01'), Buffer.from([0xff, 0xff])])],
    ['a body one byte over the limit', Buffer.concat([Buffer.from('PSTR\x01'), Buffer.from([(MAX_REQUEST_BODY_BYTES + 1) >> 8, (MAX_REQUEST_BODY_BYTES + 1) & 0xff])])],
    ['non-JSON body', Buffer.concat([Buffer.from('PSTR\x01\x00\x03'), Buffer.from('abc')])],
    ['invalid UTF-8', Buffer.concat([Buffer.from('PSTR\x01\x00\x02'), Buffer.from([0xc3, 0x28])])],
    ['extra fields', framed('{"gatewayId":"gw-1","orgId":"org-b"}')],
    ['a gateway id outside the id alphabet', framed('{"gatewayId":"../etc"}')],
    ['an array', framed('[]')],
  ])('refuses %s with a RelayFrameError', (_name, bytes) => {
    expect(() => decodeRelayRequest(bytes)).toThrow(RelayFrameError);
  });

  it('refuses another protocol version with unsupported_version', () => {
    const frame = encodeRelayRequest({ gatewayId: 'gw-1' });
    frame[4] = 2;
    expect(() => decodeRelayRequest(frame)).toThrow(expect.objectContaining({ reason: 'unsupported_version' }));
  });

  it('survives random and mutated input: each call either decodes, asks for more, or throws RelayFrameError', () => {
    const valid = encodeRelayRequest({ gatewayId: 'gw-1' });
    for (let i = 0; i < 3000; i++) {
      const input = i % 2 ? randomBytes(i % 40) : mutate(valid);
      try {
        decodeRelayRequest(input);
      } catch (error) {
        expect(error).toBeInstanceOf(RelayFrameError);
      }
    }
  });
});

describe('status frame', () => {
  it.each(['ok', 'unknown_gateway', 'org_mismatch', 'session_refused'] as RelayStatusName[])('round-trips %s', (status) => {
    const bytes = encodeRelayStatus({ status, message: `because ${status} — ü` });
    expect(decodeRelayStatus(bytes)).toEqual({ done: true, value: { status, message: `because ${status} — ü` }, consumed: bytes.length });
  });

  it('refuses an unknown status code and garbage', () => {
    const bytes = encodeRelayStatus({ status: 'ok', message: '' });
    bytes[5] = 200;
    expect(() => decodeRelayStatus(bytes)).toThrow(/unknown status code 200/);
    expect(() => decodeRelayStatus(Buffer.from('HTTP/1.1 400'))).toThrow(RelayFrameError);
  });

  it('cuts an over-long message rather than emitting a frame the peer refuses', () => {
    const bytes = encodeRelayStatus({ status: 'internal_error', message: 'x'.repeat(10_000) });
    const decoded = decodeRelayStatus(bytes);
    expect(decoded.done && decoded.value.message.length).toBe(2048);
  });
});

describe('readFirstFrame over a stream', () => {
  it('reads a frame split across chunks and puts the pipelined rest back', async () => {
    const stream = new PassThrough();
    const frame = encodeRelayRequest({ gatewayId: 'gw-1' });
    const reading = readFirstFrame(stream, decodeRelayRequest, 1000);
    for (const byte of frame) stream.write(Buffer.from([byte]));
    stream.write(Buffer.from('after'));
    expect(await reading).toEqual({ gatewayId: 'gw-1' });
    // What followed the frame is back in the stream, and a plain 'data' listener starts it.
    const more: Buffer[] = [];
    stream.on('data', (c: Buffer) => more.push(c));
    await new Promise((r) => setImmediate(r));
    expect(Buffer.concat(more).toString()).toBe('after');
  });

  it('rejects a truncated frame when the stream ends, and a stalled one after the timeout', async () => {
    const ended = new PassThrough();
    const reading = readFirstFrame(ended, decodeRelayRequest, 1000);
    ended.end(encodeRelayRequest({ gatewayId: 'gw-1' }).subarray(0, 9));
    await expect(reading).rejects.toThrow(/ended after 9 bytes/);
    const stalled = new PassThrough();
    stalled.write(Buffer.from('PSTR'));
    await expect(readFirstFrame(stalled, decodeRelayRequest, 50)).rejects.toThrow(/within 50 ms/);
  });
});

describe('gateway SSH key id', () => {
  it('names the org and reads it back; refuses key ids that name none', () => {
    expect(parseGatewayKeyId(formatGatewayKeyId('org-a'))).toBe('org-a');
    expect(() => parseGatewayKeyId('relay-1')).toThrow(/does not name an org/);
    expect(() => parseGatewayKeyId('org:')).toThrow(/does not name an org/);
    expect(() => formatGatewayKeyId('a b')).toThrow(/not a valid org id/);
  });
});

function framed(json: string): Buffer {
  const body = Buffer.from(json);
  const header = Buffer.from('PSTR\x01\x00\x00', 'latin1');
  header.writeUInt16BE(body.length, 5);
  return Buffer.concat([header, body]);
}

function mutate(bytes: Buffer): Buffer {
  const copy = Buffer.from(bytes.subarray(0, 1 + Math.floor(Math.random() * bytes.length)));
  copy[Math.floor(Math.random() * copy.length)] = Math.floor(Math.random() * 256);
  return copy;
}
