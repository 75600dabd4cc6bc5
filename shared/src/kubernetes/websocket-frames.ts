import { ByteQueue } from './byte-queue.ts';
import { WebSocketProtocolError } from './errors.ts';

/**
 * RFC 6455 framing, read passively: the gateway sees the bytes of an upgraded `kubectl exec`
 * connection and reassembles the messages to record them, without taking part in the protocol.
 * The proxy removes Sec-WebSocket-Extensions from the upgrade request, so no message is ever
 * compressed (RSV1); a compressed frame is reported as an error rather than misread.
 */
export const WebSocketOpcode = { Continuation: 0x0, Text: 0x1, Binary: 0x2, Close: 0x8, Ping: 0x9, Pong: 0xa } as const;

export interface WebSocketMessage {
  opcode: number;
  data: Buffer;
}

export interface WebSocketFrame {
  fin: boolean;
  opcode: number;
  data: Buffer;
  /** Client-to-server frames carry a masking key (section 5.3); server frames must not. */
  mask?: Buffer;
}

const isControl = (opcode: number) => (opcode & 0x8) !== 0;

/** Encodes one frame; masks the payload when a key is given. The inverse of WebSocketMessageReader. */
export function encodeWebSocketFrame(frame: WebSocketFrame): Buffer {
  const length = frame.data.length;
  const lengthBytes = length < 126 ? 0 : length < 0x10000 ? 2 : 8;
  const head = Buffer.alloc(2 + lengthBytes + (frame.mask ? 4 : 0));
  head[0] = (frame.fin ? 0x80 : 0) | (frame.opcode & 0x0f);
  head[1] = (frame.mask ? 0x80 : 0) | (lengthBytes === 0 ? length : lengthBytes === 2 ? 126 : 127);
  if (lengthBytes === 2) head.writeUInt16BE(length, 2);
  if (lengthBytes === 8) head.writeBigUInt64BE(BigInt(length), 2);
  if (!frame.mask) return Buffer.concat([head, frame.data]);
  frame.mask.copy(head, 2 + lengthBytes);
  return Buffer.concat([head, applyMask(frame.data, frame.mask)]);
}

function applyMask(data: Buffer, mask: Buffer): Buffer {
  const out = Buffer.allocUnsafe(data.length);
  for (let i = 0; i < data.length; i += 1) out[i] = data[i]! ^ mask[i & 3]!;
  return out;
}

interface FrameHeader {
  fin: boolean;
  opcode: number;
  headerLength: number;
  payloadLength: number;
  mask: Buffer | undefined;
}

/** Decodes a byte stream of one direction into whole messages (fragments joined, control frames kept). */
export class WebSocketMessageReader {
  private readonly pending = new ByteQueue();
  private fragments: Buffer[] = [];
  private fragmentedOpcode: number | undefined;
  private fragmentedLength = 0;

  constructor(private readonly maxMessageLength = 16 * 1024 * 1024) {}

  push(chunk: Buffer): WebSocketMessage[] {
    this.pending.push(chunk);
    const messages: WebSocketMessage[] = [];
    for (;;) {
      const header = this.readHeader();
      if (!header || this.pending.length < header.headerLength + header.payloadLength) break;
      this.pending.take(header.headerLength);
      const raw = this.pending.take(header.payloadLength);
      const message = this.assemble(header, header.mask ? applyMask(raw, header.mask) : Buffer.from(raw));
      if (message) messages.push(message);
    }
    return messages;
  }

  private readHeader(): FrameHeader | undefined {
    if (this.pending.length < 2) return undefined;
    const bytes = this.pending.peek(14);
    if (bytes[0]! & 0x70) throw new WebSocketProtocolError('a reserved bit is set (compressed or extension frame)');
    const masked = (bytes[1]! & 0x80) !== 0;
    let payloadLength = bytes[1]! & 0x7f;
    let offset = 2;
    if (payloadLength === 126) {
      if (bytes.length < 4) return undefined;
      payloadLength = bytes.readUInt16BE(2);
      offset = 4;
    } else if (payloadLength === 127) {
      if (bytes.length < 10) return undefined;
      const long = bytes.readBigUInt64BE(2);
      if (long > BigInt(this.maxMessageLength)) throw new WebSocketProtocolError(`a frame of ${long} bytes exceeds the limit`);
      payloadLength = Number(long);
      offset = 10;
    }
    if (payloadLength > this.maxMessageLength) throw new WebSocketProtocolError(`a frame of ${payloadLength} bytes exceeds the limit`);
    if (masked && bytes.length < offset + 4) return undefined;
    const mask = masked ? Buffer.from(bytes.subarray(offset, offset + 4)) : undefined;
    return { fin: (bytes[0]! & 0x80) !== 0, opcode: bytes[0]! & 0x0f, headerLength: offset + (masked ? 4 : 0), payloadLength, mask };
  }

  private assemble(header: FrameHeader, data: Buffer): WebSocketMessage | undefined {
    const { fin, opcode } = header;
    if (isControl(opcode)) {
      if (!fin || data.length > 125) throw new WebSocketProtocolError('a control frame is fragmented or longer than 125 bytes');
      return { opcode, data };
    }
    if (opcode === WebSocketOpcode.Continuation) {
      if (this.fragmentedOpcode === undefined) throw new WebSocketProtocolError('a continuation frame arrived with no message to continue');
    } else {
      if (this.fragmentedOpcode !== undefined) throw new WebSocketProtocolError('a new message started before the previous one ended');
      if (fin) return { opcode, data };
      this.fragmentedOpcode = opcode;
    }
    this.fragments.push(data);
    this.fragmentedLength += data.length;
    if (this.fragmentedLength > this.maxMessageLength) throw new WebSocketProtocolError(`a message of over ${this.maxMessageLength} bytes exceeds the limit`);
    if (!fin) return undefined;
    const message = { opcode: this.fragmentedOpcode!, data: Buffer.concat(this.fragments) };
    this.fragments = [];
    this.fragmentedOpcode = undefined;
    this.fragmentedLength = 0;
    return message;
  }
}
