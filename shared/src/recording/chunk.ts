/**
 * One sealed recording chunk, as the gateway spools it, uploads it and the server stores it.
 * AES-256-GCM under the session's recording key. The header (format, flags, index, IV) and the
 * session id are the associated data, so a chunk moved to another index or session, or a
 * final flag added or removed, fails to open just like altered ciphertext.
 *
 * Layout: magic "PSR1" | flags u8 | index u32 BE | iv (12) | ciphertext | tag (16).
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { RecordingFormatError, RecordingIntegrityError } from '../errors.ts';

export const RECORDING_KEY_BYTES = 32;
const MAGIC = new Uint8Array([0x50, 0x53, 0x52, 0x31]); // "PSR1"
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const CHUNK_HEADER_BYTES = MAGIC.length + 1 + 4 + IV_BYTES;
export const CHUNK_OVERHEAD_BYTES = CHUNK_HEADER_BYTES + TAG_BYTES;
const FLAG_FINAL = 1;
const KNOWN_FLAGS = FLAG_FINAL;

export interface ChunkHeader {
  index: number;
  /** The session's last chunk: nothing follows it. */
  final: boolean;
}

export interface OpenedChunk extends ChunkHeader {
  plaintext: Buffer;
}

function aad(header: Uint8Array, sessionId: string): Buffer {
  return Buffer.concat([header, Buffer.from(`:postern-recording:${sessionId}`, 'utf8')]);
}

function checkKey(key: Uint8Array): void {
  if (key.length !== RECORDING_KEY_BYTES) throw new RecordingFormatError(`a recording key has ${RECORDING_KEY_BYTES} bytes, this one ${key.length}`);
}

/** A fresh random recording key (the server makes one per session). */
export function generateRecordingKey(): Buffer {
  return randomBytes(RECORDING_KEY_BYTES);
}

/** What sealing a chunk needs besides the key and plaintext: its header bytes, IV and associated data. */
export interface ChunkSealInput {
  head: Buffer;
  iv: Buffer;
  aad: Buffer;
}

/**
 * The header of a new chunk (fresh IV) and its associated data. Split from the encryption so the
 * gateway can run the AES-GCM pass off its data-path thread (the format stays decided here).
 */
export function prepareChunkSeal(sessionId: string, header: ChunkHeader): ChunkSealInput {
  if (!Number.isInteger(header.index) || header.index < 0 || header.index > 0xffff_ffff) throw new RecordingFormatError(`chunk index ${header.index} is out of range`);
  const head = Buffer.alloc(CHUNK_HEADER_BYTES);
  head.set(MAGIC, 0);
  head.writeUInt8(header.final ? FLAG_FINAL : 0, 4);
  head.writeUInt32BE(header.index, 5);
  randomBytes(IV_BYTES).copy(head, 9);
  return { head, iv: head.subarray(9), aad: aad(head, sessionId) };
}

/** The sealed chunk from its header and the AES-256-GCM output. */
export function joinSealedChunk(head: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array): Buffer {
  if (tag.length !== TAG_BYTES) throw new RecordingFormatError(`an AES-GCM tag has ${TAG_BYTES} bytes, this one ${tag.length}`);
  return Buffer.concat([head, ciphertext, tag]);
}

export function sealChunk(key: Uint8Array, sessionId: string, header: ChunkHeader, plaintext: Uint8Array): Buffer {
  checkKey(key);
  const { head, iv, aad: associated } = prepareChunkSeal(sessionId, header);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(associated);
  const body = cipher.update(plaintext);
  cipher.final();
  return joinSealedChunk(head, body, cipher.getAuthTag());
}

/** The header alone, readable without the key (the uploader names a chunk by it; the server checks it against the URL). */
export function readChunkHeader(sealed: Uint8Array): ChunkHeader {
  if (sealed.length < CHUNK_OVERHEAD_BYTES) throw new RecordingFormatError(`a chunk has at least ${CHUNK_OVERHEAD_BYTES} bytes, this one ${sealed.length} (truncated)`);
  if (!MAGIC.every((byte, i) => sealed[i] === byte)) throw new RecordingFormatError('the chunk does not start with the PSR1 marker');
  const view = new DataView(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  const flags = view.getUint8(4);
  if ((flags & ~KNOWN_FLAGS) !== 0) throw new RecordingFormatError(`unknown chunk flags 0x${flags.toString(16)}`);
  return { index: view.getUint32(5), final: (flags & FLAG_FINAL) !== 0 };
}

export function openChunk(key: Uint8Array, sessionId: string, sealed: Uint8Array): OpenedChunk {
  checkKey(key);
  const header = readChunkHeader(sealed);
  const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  const head = bytes.subarray(0, CHUNK_HEADER_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, head.subarray(9), { authTagLength: TAG_BYTES });
  decipher.setAAD(aad(head, sessionId));
  decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
  try {
    const plaintext = Buffer.concat([decipher.update(bytes.subarray(CHUNK_HEADER_BYTES, bytes.length - TAG_BYTES)), decipher.final()]);
    return { ...header, plaintext };
  } catch {
    throw new RecordingIntegrityError(sessionId, header.index);
  }
}

/** The content hash the server confirms a stored chunk by (lower-case hex SHA-256 of the sealed bytes). */
export function chunkSha256(sealed: Uint8Array): string {
  return createHash('sha256').update(sealed).digest('hex');
}
