import { randomBytes } from 'node:crypto';
import { constants, createDeflate, createInflate } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { spdyHeaderDictionary } from './spdy-dictionary.ts';
import { SpdyFrameReader, SpdyFrameWriter, SpdyProtocolError, type SpdyFrame } from './spdy-framing.ts';

const everyFrameType: SpdyFrame[] = [
  { type: 'syn_stream', streamId: 1, associatedStreamId: 0, priority: 0, flags: 0, headers: { streamtype: ['error'], requestid: ['0'] } },
  { type: 'syn_stream', streamId: 3, associatedStreamId: 1, priority: 7, flags: 0x01, headers: { streamtype: ['data'], port: ['8080'] } },
  { type: 'syn_reply', streamId: 1, flags: 0, headers: {} },
  { type: 'headers', streamId: 3, flags: 0x01, headers: { multi: ['a', 'b', 'c'] } },
  { type: 'data', streamId: 3, flags: 0, data: Buffer.from('hello') },
  { type: 'data', streamId: 0x7fffffff, flags: 0x01, data: Buffer.alloc(0) },
  { type: 'rst_stream', streamId: 5, status: 5 },
  { type: 'settings', flags: 1, entries: [{ flags: 1, id: 7, value: 65536 }, { flags: 0, id: 4, value: 100 }] },
  { type: 'ping', id: 0xfffffffe },
  { type: 'goaway', lastGoodStreamId: 9, status: 0 },
  { type: 'window_update', streamId: 3, delta: 0x7fffffff },
];

/** Runs a stream through node:zlib, an implementation independent of the pako one under test. */
function nodeZlib(kind: 'inflate' | 'deflate', input: Buffer): Promise<Buffer> {
  const stream = kind === 'inflate'
    ? createInflate({ dictionary: Buffer.from(spdyHeaderDictionary) })
    : createDeflate({ dictionary: Buffer.from(spdyHeaderDictionary) });
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolve, reject) => {
    stream.on('error', reject);
    stream.write(input);
    stream.flush(constants.Z_SYNC_FLUSH, () => setImmediate(() => resolve(Buffer.concat(chunks))));
  });
}

const headerBlock = (pairs: [string, string][]) => {
  const u32 = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };
  return Buffer.concat([u32(pairs.length), ...pairs.flatMap(([k, v]) => [u32(k.length), Buffer.from(k), u32(v.length), Buffer.from(v)])]);
};

describe('SPDY/3.1 framing', () => {
  it('the dictionary is the SPDY/3 one (zlib dictionary id e3c6a7c2, 1423 bytes)', async () => {
    expect(spdyHeaderDictionary.length).toBe(1423);
    const compressed = await nodeZlib('deflate', Buffer.from('x'));
    expect(compressed.subarray(2, 6).toString('hex')).toBe('e3c6a7c2');
  });

  it('every frame type round-trips, in one chunk and byte by byte', () => {
    const writer = new SpdyFrameWriter();
    const wire = Buffer.concat(everyFrameType.map((f) => writer.encode(f)));
    expect(new SpdyFrameReader().push(wire)).toEqual(everyFrameType);
    // A new writer repeats the same compression context from the start, so the same bytes come out.
    const again = Buffer.concat(everyFrameType.map((f) => new SpdyFrameWriter().encode(f)));
    expect(again.subarray(0, 20)).toEqual(wire.subarray(0, 20));
    const reader = new SpdyFrameReader();
    const frames = [...wire].flatMap((byte) => reader.push(Buffer.from([byte])));
    expect(frames).toEqual(everyFrameType);
  });

  it('reads header blocks that node:zlib compressed with the dictionary (what Go writes)', async () => {
    const block = headerBlock([['streamtype', 'stdout'], ['x', 'a\0b']]);
    const compressed = await nodeZlib('deflate', block);
    const head = Buffer.from([0x80, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 10 + compressed.length]);
    const fixed = Buffer.from([0, 0, 0, 5, 0, 0, 0, 0, 0, 0]);
    const [frame] = new SpdyFrameReader().push(Buffer.concat([head, fixed, compressed]));
    expect(frame).toEqual({ type: 'syn_stream', streamId: 5, associatedStreamId: 0, priority: 0, flags: 0,
      headers: { streamtype: ['stdout'], x: ['a', 'b'] } });
  });

  it('writes header blocks node:zlib can read', async () => {
    const frame = new SpdyFrameWriter().encode({ type: 'syn_reply', streamId: 1, flags: 0, headers: { status: ['200'] } });
    expect(await nodeZlib('inflate', frame.subarray(12))).toEqual(headerBlock([['status', '200']]));
  });

  it('waits for the rest of a truncated frame', () => {
    const wire = new SpdyFrameWriter().encode({ type: 'data', streamId: 1, flags: 0, data: Buffer.from('abcdef') });
    const reader = new SpdyFrameReader();
    expect(reader.push(wire.subarray(0, 10))).toEqual([]);
    expect(reader.push(wire.subarray(10))).toHaveLength(1);
  });

  it('refuses other SPDY versions, oversize frames and short control frames', () => {
    expect(() => new SpdyFrameReader().push(Buffer.from([0x80, 0x02, 0, 6, 0, 0, 0, 4, 0, 0, 0, 1]))).toThrow(SpdyProtocolError);
    expect(() => new SpdyFrameReader(1024).push(Buffer.from([0, 0, 0, 1, 0, 0, 0x10, 0]))).toThrow(/exceeds/);
    expect(() => new SpdyFrameReader().push(Buffer.from([0x80, 0x03, 0, 3, 0, 0, 0, 2, 0, 0]))).toThrow(/too short/);
  });

  it('ignores unknown control frame types, as draft 3.1 requires', () => {
    const unknown = Buffer.from([0x80, 0x03, 0x00, 0x0a, 0, 0, 0, 2, 0xab, 0xcd]);
    const ping = new SpdyFrameWriter().encode({ type: 'ping', id: 1 });
    expect(new SpdyFrameReader().push(Buffer.concat([unknown, ping]))).toEqual([{ type: 'ping', id: 1 }]);
  });

  it('random and mangled input either decodes or raises SpdyProtocolError, nothing else', () => {
    const valid = Buffer.concat(everyFrameType.map((f) => new SpdyFrameWriter().encode(f)));
    for (let i = 0; i < 500; i += 1) {
      const input = i % 2 ? randomBytes(1 + (i % 97)) : Buffer.from(valid);
      const at = 8 + (i % (valid.length - 8));
      if (i % 2 === 0) input[at] = input[at]! ^ 0xff;
      try {
        new SpdyFrameReader(1 << 16).push(input);
      } catch (error) {
        expect(error).toBeInstanceOf(SpdyProtocolError);
      }
    }
  });
});
