/**
 * SSH wire encoding (RFC 4251 §5): byte, boolean, uint32, uint64, string, mpint, name-list.
 * The reader never reads past its buffer: every length is checked before use and a short or
 * inconsistent input raises SshWireError, so hostile bytes cannot cause a hang or a range error.
 */
import { SshWireError } from '../errors.ts';

/** Refuse absurd lengths early; nothing we parse (keys, certificates, packets) comes near it. */
const MAX_STRING_BYTES = 1 << 20;

export class SshReader {
  private offset = 0;

  constructor(private readonly buf: Uint8Array) {}

  get remaining(): number {
    return this.buf.length - this.offset;
  }

  get position(): number {
    return this.offset;
  }

  private take(n: number, what: string): Uint8Array {
    if (n > this.remaining) {
      throw new SshWireError(`${what} needs ${n} bytes but only ${this.remaining} remain at offset ${this.offset}`);
    }
    const out = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  readByte(): number {
    return this.take(1, 'byte')[0]!;
  }

  readBoolean(): boolean {
    return this.readByte() !== 0;
  }

  readUint32(): number {
    const b = this.take(4, 'uint32');
    return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  }

  readUint64(): bigint {
    const hi = BigInt(this.readUint32());
    const lo = BigInt(this.readUint32());
    return (hi << 32n) | lo;
  }

  /** A length-prefixed byte string; the result is a view into the input, not a copy. */
  readString(): Uint8Array {
    const length = this.readUint32();
    if (length > MAX_STRING_BYTES) {
      throw new SshWireError(`string length ${length} exceeds the ${MAX_STRING_BYTES}-byte limit`);
    }
    return this.take(length, 'string');
  }

  /** A string that must be valid UTF-8 (names, principals, comments). */
  readText(): string {
    const bytes = this.readString();
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new SshWireError('string is not valid UTF-8');
    }
  }

  readNameList(): string[] {
    const text = this.readText();
    return text === '' ? [] : text.split(',');
  }

  /** Two's-complement big-endian integer (RFC 4251 mpint). */
  readMpint(): bigint {
    const bytes = this.readString();
    if (bytes.length === 0) return 0n;
    if (bytes.length > 1 && ((bytes[0] === 0 && (bytes[1]! & 0x80) === 0) || (bytes[0] === 0xff && (bytes[1]! & 0x80) !== 0))) {
      throw new SshWireError('mpint has an unnecessary leading byte');
    }
    let value = 0n;
    for (const byte of bytes) value = (value << 8n) | BigInt(byte);
    if ((bytes[0]! & 0x80) !== 0) value -= 1n << BigInt(bytes.length * 8);
    return value;
  }

  /** Everything not read yet. */
  readRest(): Uint8Array {
    return this.take(this.remaining, 'rest');
  }

  /** Fails when trailing bytes remain: a structure with extra bytes is malformed, not tolerated. */
  expectEnd(what: string): void {
    if (this.remaining !== 0) {
      throw new SshWireError(`${this.remaining} unexpected trailing bytes after ${what}`);
    }
  }
}

export class SshWriter {
  private chunks: Uint8Array[] = [];
  private length = 0;

  private push(chunk: Uint8Array): this {
    this.chunks.push(chunk);
    this.length += chunk.length;
    return this;
  }

  writeByte(value: number): this {
    if (!Number.isInteger(value) || value < 0 || value > 0xff) throw new SshWireError(`byte out of range: ${value}`);
    return this.push(Uint8Array.of(value));
  }

  writeBoolean(value: boolean): this {
    return this.writeByte(value ? 1 : 0);
  }

  writeUint32(value: number): this {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new SshWireError(`uint32 out of range: ${value}`);
    const out = new Uint8Array(4);
    new DataView(out.buffer).setUint32(0, value);
    return this.push(out);
  }

  writeUint64(value: bigint): this {
    if (value < 0n || value > 0xffffffffffffffffn) throw new SshWireError(`uint64 out of range: ${value}`);
    const out = new Uint8Array(8);
    new DataView(out.buffer).setBigUint64(0, value);
    return this.push(out);
  }

  writeString(value: Uint8Array | string): this {
    const bytes = typeof value === 'string' ? new TextEncoder().encode(value) : value;
    this.writeUint32(bytes.length);
    return this.push(bytes);
  }

  writeNameList(names: readonly string[]): this {
    for (const name of names) {
      if (name === '' || name.includes(',')) throw new SshWireError(`name-list entry "${name}" is empty or contains a comma`);
    }
    return this.writeString(names.join(','));
  }

  writeMpint(value: bigint): this {
    return this.writeString(mpintBytes(value));
  }

  /** Bytes already encoded elsewhere (e.g. a nested structure), appended without a length. */
  writeRaw(bytes: Uint8Array): this {
    return this.push(bytes);
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.chunks, this.length);
  }
}

/** Minimal two's-complement big-endian bytes for an mpint body. */
function mpintBytes(value: bigint): Uint8Array {
  if (value === 0n) return new Uint8Array(0);
  const negative = value < 0n;
  let magnitude = negative ? -value : value;
  let hex = magnitude.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  if (!negative) {
    const bytes = Buffer.from(hex, 'hex');
    return (bytes[0]! & 0x80) !== 0 ? Buffer.concat([Uint8Array.of(0), bytes]) : bytes;
  }
  // Negative: find the smallest width whose two's complement still has the sign bit set.
  let width = hex.length / 2;
  if (magnitude > 1n << BigInt(width * 8 - 1)) width += 1;
  magnitude = (1n << BigInt(width * 8)) - magnitude;
  return Buffer.from(magnitude.toString(16).padStart(width * 2, '0'), 'hex');
}

/** Encodes an unsigned big-endian integer (e.g. an RSA modulus) as an mpint body. */
export function unsignedToMpintBody(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < bytes.length && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  if (trimmed.length > 0 && (trimmed[0]! & 0x80) !== 0) return Buffer.concat([Uint8Array.of(0), trimmed]);
  return trimmed;
}

/** Inverse of unsignedToMpintBody: drops the sign byte of a non-negative mpint body. */
export function mpintBodyToUnsigned(bytes: Uint8Array): Uint8Array {
  if ((bytes[0] ?? 0) & 0x80) throw new SshWireError('expected a non-negative mpint');
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  return bytes.subarray(start);
}
