import { Deflate, Inflate, Z_SYNC_FLUSH } from 'pako';
import { ByteQueue } from './byte-queue.ts';
import { SpdyProtocolError } from './errors.ts';
import { spdyHeaderDictionary } from './spdy-dictionary.ts';

export { SpdyProtocolError };

/**
 * SPDY/3.1 framing (draft 3.1, section 2.2): what k8s.io/apimachinery's spdystream speaks for
 * exec, attach and port-forward. The gateway reads it passively to record `kubectl exec`; the
 * test kube-apiserver serves it.
 */
export type SpdyHeaders = Record<string, string[]>;

export const SpdyFlag = { Fin: 0x01, Unidirectional: 0x02 } as const;

export const RstStatus = { ProtocolError: 1, InvalidStream: 2, RefusedStream: 3, Cancel: 5, InternalError: 6 } as const;

export type SpdyFrame =
  | { type: 'data'; streamId: number; flags: number; data: Buffer }
  | { type: 'syn_stream'; streamId: number; associatedStreamId: number; priority: number; flags: number; headers: SpdyHeaders }
  | { type: 'syn_reply'; streamId: number; flags: number; headers: SpdyHeaders }
  | { type: 'rst_stream'; streamId: number; status: number }
  | { type: 'settings'; flags: number; entries: { flags: number; id: number; value: number }[] }
  | { type: 'ping'; id: number }
  | { type: 'goaway'; lastGoodStreamId: number; status: number }
  | { type: 'headers'; streamId: number; flags: number; headers: SpdyHeaders }
  | { type: 'window_update'; streamId: number; delta: number };

const controlType = { syn_stream: 1, syn_reply: 2, rst_stream: 3, settings: 4, ping: 6, goaway: 7, headers: 8, window_update: 9 } as const;
const headerLength = 8;
const streamIdMask = 0x7fffffff;

function encodeHeaderBlock(headers: SpdyHeaders): Buffer {
  const entries = Object.entries(headers);
  const parts: Buffer[] = [u32(entries.length)];
  for (const [name, values] of entries) {
    const key = Buffer.from(name.toLowerCase(), 'utf8');
    const value = Buffer.from(values.join('\0'), 'utf8');
    parts.push(u32(key.length), key, u32(value.length), value);
  }
  return Buffer.concat(parts);
}

function decodeHeaderBlock(block: Buffer): SpdyHeaders {
  const headers: SpdyHeaders = {};
  let offset = 0;
  const take = () => {
    if (offset + 4 > block.length) throw new SpdyProtocolError('truncated header block');
    const length = block.readUInt32BE(offset);
    if (offset + 4 + length > block.length) throw new SpdyProtocolError('truncated header block');
    const value = block.subarray(offset + 4, offset + 4 + length).toString('utf8');
    offset += 4 + length;
    return value;
  };
  if (block.length < 4) throw new SpdyProtocolError('truncated header block');
  const count = block.readUInt32BE(0);
  offset = 4;
  for (let i = 0; i < count; i += 1) {
    const name = take();
    headers[name] = [...(headers[name] ?? []), ...take().split('\0')];
  }
  return headers;
}

function u32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32BE(value >>> 0);
  return buffer;
}

/**
 * Header blocks are compressed with one zlib stream per direction for the whole connection,
 * primed with the SPDY dictionary, each block ending on a sync flush. pako gives that
 * synchronously, so frames decode in order without an async queue.
 */
class HeaderCompressor {
  private readonly deflate = new Deflate({ dictionary: spdyHeaderDictionary });
  private output: Uint8Array[] = [];

  constructor() {
    this.deflate.onData = (chunk) => this.output.push(chunk);
  }

  compress(headers: SpdyHeaders): Buffer {
    this.output = [];
    this.deflate.push(encodeHeaderBlock(headers), Z_SYNC_FLUSH);
    if (this.deflate.err) throw new SpdyProtocolError(`header compression failed: ${this.deflate.msg}`);
    return Buffer.concat(this.output);
  }
}

class HeaderDecompressor {
  private readonly inflate = new Inflate({ dictionary: spdyHeaderDictionary });
  private output: Uint8Array[] = [];

  constructor() {
    this.inflate.onData = (chunk) => this.output.push(chunk);
  }

  decompress(block: Buffer): SpdyHeaders {
    this.output = [];
    this.inflate.push(block, Z_SYNC_FLUSH);
    if (this.inflate.err) throw new SpdyProtocolError(`header decompression failed: ${this.inflate.msg}`);
    return decodeHeaderBlock(Buffer.concat(this.output));
  }
}

function controlFrame(type: number, flags: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(headerLength);
  head.writeUInt16BE(0x8000 | 3, 0);
  head.writeUInt16BE(type, 2);
  head.writeUInt32BE(((flags & 0xff) << 24 | payload.length) >>> 0, 4);
  return Buffer.concat([head, payload]);
}

/** Encodes frames; keeps the connection's outbound compression context. */
export class SpdyFrameWriter {
  private readonly compressor = new HeaderCompressor();

  encode(frame: SpdyFrame): Buffer {
    switch (frame.type) {
      case 'data': {
        const head = Buffer.alloc(headerLength);
        head.writeUInt32BE(frame.streamId & streamIdMask, 0);
        head.writeUInt32BE(((frame.flags & 0xff) << 24 | frame.data.length) >>> 0, 4);
        return Buffer.concat([head, frame.data]);
      }
      case 'syn_stream': {
        const fixed = Buffer.alloc(10);
        fixed.writeUInt32BE(frame.streamId & streamIdMask, 0);
        fixed.writeUInt32BE(frame.associatedStreamId & streamIdMask, 4);
        fixed.writeUInt8((frame.priority & 0x7) << 5, 8);
        return controlFrame(controlType.syn_stream, frame.flags, Buffer.concat([fixed, this.compressor.compress(frame.headers)]));
      }
      case 'syn_reply':
      case 'headers':
        return controlFrame(controlType[frame.type], frame.flags, Buffer.concat([u32(frame.streamId & streamIdMask), this.compressor.compress(frame.headers)]));
      case 'rst_stream':
        return controlFrame(controlType.rst_stream, 0, Buffer.concat([u32(frame.streamId & streamIdMask), u32(frame.status)]));
      case 'settings':
        return controlFrame(controlType.settings, frame.flags, Buffer.concat([u32(frame.entries.length),
          ...frame.entries.map((e) => Buffer.concat([u32(((e.flags & 0xff) << 24 | (e.id & 0xffffff)) >>> 0), u32(e.value)]))]));
      case 'ping':
        return controlFrame(controlType.ping, 0, u32(frame.id));
      case 'goaway':
        return controlFrame(controlType.goaway, 0, Buffer.concat([u32(frame.lastGoodStreamId & streamIdMask), u32(frame.status)]));
      case 'window_update':
        return controlFrame(controlType.window_update, 0, Buffer.concat([u32(frame.streamId & streamIdMask), u32(frame.delta & streamIdMask)]));
    }
  }
}

/** Decodes a byte stream into frames; keeps partial input and the inbound compression context. */
export class SpdyFrameReader {
  private readonly decompressor = new HeaderDecompressor();
  private readonly pending = new ByteQueue();

  constructor(private readonly maxFrameLength = 16 * 1024 * 1024) {}

  push(chunk: Buffer): SpdyFrame[] {
    this.pending.push(chunk);
    const frames: SpdyFrame[] = [];
    while (this.pending.length >= headerLength) {
      const length = this.pending.peek(headerLength).readUInt32BE(4) & 0xffffff;
      if (length > this.maxFrameLength) throw new SpdyProtocolError(`frame of ${length} bytes exceeds the limit`);
      if (this.pending.length < headerLength + length) break;
      const head = Buffer.from(this.pending.take(headerLength));
      const payload = this.pending.take(length);
      const frame = this.decode(head, payload);
      if (frame) frames.push(frame);
    }
    return frames;
  }

  private decode(head: Buffer, payload: Buffer): SpdyFrame | undefined {
    const flags = head.readUInt8(4);
    if ((head.readUInt8(0) & 0x80) === 0) {
      return { type: 'data', streamId: head.readUInt32BE(0) & streamIdMask, flags, data: Buffer.from(payload) };
    }
    const version = head.readUInt16BE(0) & 0x7fff;
    if (version !== 3) throw new SpdyProtocolError(`unsupported SPDY version ${version}`);
    const need = (bytes: number) => {
      if (payload.length < bytes) throw new SpdyProtocolError(`control frame too short: ${payload.length} bytes`);
    };
    const id = () => payload.readUInt32BE(0) & streamIdMask;
    switch (head.readUInt16BE(2)) {
      case controlType.syn_stream:
        need(10);
        return { type: 'syn_stream', streamId: id(), associatedStreamId: payload.readUInt32BE(4) & streamIdMask,
          priority: payload.readUInt8(8) >> 5, flags, headers: this.decompressor.decompress(payload.subarray(10)) };
      case controlType.syn_reply:
        need(4);
        return { type: 'syn_reply', streamId: id(), flags, headers: this.decompressor.decompress(payload.subarray(4)) };
      case controlType.headers:
        need(4);
        return { type: 'headers', streamId: id(), flags, headers: this.decompressor.decompress(payload.subarray(4)) };
      case controlType.rst_stream:
        need(8);
        return { type: 'rst_stream', streamId: id(), status: payload.readUInt32BE(4) };
      case controlType.settings: {
        need(4);
        const count = payload.readUInt32BE(0);
        need(4 + count * 8);
        const entries = Array.from({ length: count }, (_, i) => {
          const word = payload.readUInt32BE(4 + i * 8);
          return { flags: word >>> 24, id: word & 0xffffff, value: payload.readUInt32BE(8 + i * 8) };
        });
        return { type: 'settings', flags, entries };
      }
      case controlType.ping:
        need(4);
        return { type: 'ping', id: payload.readUInt32BE(0) };
      case controlType.goaway:
        need(8);
        return { type: 'goaway', lastGoodStreamId: id(), status: payload.readUInt32BE(4) };
      case controlType.window_update:
        need(8);
        return { type: 'window_update', streamId: id(), delta: payload.readUInt32BE(4) & streamIdMask };
      default:
        return undefined; // draft 3.1: unknown control frames are ignored
    }
  }
}
