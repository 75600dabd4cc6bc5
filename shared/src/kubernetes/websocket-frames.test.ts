import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import * as wsModule from 'ws';
import { WebSocketProtocolError } from './errors.ts';
import { WebSocketMessageReader, WebSocketOpcode, encodeWebSocketFrame } from './websocket-frames.ts';

interface FrameOptions { fin: boolean; opcode: number; mask: boolean; readOnly: boolean; rsv1: boolean; maskBuffer?: Buffer; generateMask?: () => void }
// @types/ws leaves out ws's Sender, whose static frame() is the encoder we compare against.
const { Sender } = wsModule as unknown as { Sender: { frame(data: Buffer, options: FrameOptions): Buffer[] } };

/** Frames written by the ws library: an encoder independent of ours. */
function wsFrame(data: Buffer, opcode: number, mask: boolean, fin = true): Buffer {
  // readOnly: false lets ws mask in place, so it gets a copy.
  return Buffer.concat(Sender.frame(Buffer.from(data), { fin, opcode, mask, readOnly: false, rsv1: false }));
}

const bytewise = (reader: WebSocketMessageReader, wire: Buffer) => [...wire].flatMap((b) => reader.push(Buffer.from([b])));

describe('WebSocket message reader', () => {
  it('reads masked client frames and unmasked server frames of every length class (ws encodes)', () => {
    for (const length of [0, 1, 125, 126, 65535, 65536, 200_000]) {
      const data = randomBytes(length);
      for (const mask of [true, false]) {
        const [message, ...rest] = new WebSocketMessageReader().push(wsFrame(data, WebSocketOpcode.Binary, mask));
        expect(rest).toEqual([]);
        expect(message!.opcode).toBe(WebSocketOpcode.Binary);
        expect(message!.data.equals(data)).toBe(true);
      }
    }
  });

  it('joins fragments, passes control frames between them, and reads byte by byte', () => {
    const wire = Buffer.concat([
      wsFrame(Buffer.from([1, 0x68]), WebSocketOpcode.Binary, true, false),
      wsFrame(Buffer.from('ping'), WebSocketOpcode.Ping, true),
      wsFrame(Buffer.from('i\n'), WebSocketOpcode.Continuation, true, true),
      wsFrame(Buffer.from([0x03, 0xe8]), WebSocketOpcode.Close, true),
    ]);
    const messages = bytewise(new WebSocketMessageReader(), wire);
    expect(messages.map((m) => [m.opcode, m.data.toString('latin1')])).toEqual([
      [WebSocketOpcode.Ping, 'ping'], [WebSocketOpcode.Binary, '\x01hi\n'], [WebSocketOpcode.Close, '\x03\xe8'],
    ]);
  });

  it('our encoder and the reader are inverses, and ws reads the same bytes for the same key', () => {
    const mask = Buffer.from([1, 2, 3, 4]);
    const data = Buffer.from('\x00echo hi');
    const ours = encodeWebSocketFrame({ fin: true, opcode: WebSocketOpcode.Binary, data, mask });
    const theirs = Buffer.concat(Sender.frame(Buffer.from(data), { fin: true, opcode: 2, mask: true, maskBuffer: Buffer.from(mask), generateMask: () => {}, readOnly: false, rsv1: false }));
    expect(ours.equals(theirs)).toBe(true);
    expect(new WebSocketMessageReader().push(ours)).toEqual([{ opcode: WebSocketOpcode.Binary, data }]);
  });

  it('refuses compressed frames, bad fragmentation, oversized control frames and oversized messages', () => {
    const compressed = Buffer.from([0xc2, 0x01, 0x00]);
    expect(() => new WebSocketMessageReader().push(compressed)).toThrow(/reserved bit/);
    expect(() => new WebSocketMessageReader().push(wsFrame(Buffer.from('x'), WebSocketOpcode.Continuation, false))).toThrow(/continuation/);
    const twoStarts = Buffer.concat([wsFrame(Buffer.from('a'), 2, false, false), wsFrame(Buffer.from('b'), 2, false)]);
    expect(() => new WebSocketMessageReader().push(twoStarts)).toThrow(/new message/);
    expect(() => new WebSocketMessageReader().push(encodeWebSocketFrame({ fin: false, opcode: WebSocketOpcode.Ping, data: Buffer.alloc(1) }))).toThrow(WebSocketProtocolError);
    expect(() => new WebSocketMessageReader(100).push(wsFrame(Buffer.alloc(101), 2, false))).toThrow(/exceeds/);
  });

  it('random and mangled input either decodes or raises WebSocketProtocolError, nothing else', () => {
    const valid = Buffer.concat([wsFrame(Buffer.from('abc'), 2, true, false), wsFrame(randomBytes(300), 0, true)]);
    for (let i = 0; i < 500; i += 1) {
      const input = i % 2 ? randomBytes(1 + (i % 97)) : Buffer.from(valid);
      if (i % 2 === 0) input[i % valid.length] = input[i % valid.length]! ^ 0xff;
      try {
        new WebSocketMessageReader(1 << 16).push(input);
      } catch (error) {
        expect(error).toBeInstanceOf(WebSocketProtocolError);
      }
    }
  });
});
