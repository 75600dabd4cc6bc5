import { describe, expect, it } from 'vitest';
import { RecordingFormatError, RecordingIntegrityError } from '../errors.ts';
import { CHUNK_OVERHEAD_BYTES, chunkSha256, generateRecordingKey, openChunk, readChunkHeader, sealChunk } from './chunk.ts';

const SESSION = '6f1d0c1e-7b9a-4c55-8f2e-0a1b2c3d4e5f';
const OTHER_SESSION = '6f1d0c1e-7b9a-4c55-8f2e-0a1b2c3d4e60';

describe('recording chunks', () => {
  const key = generateRecordingKey();
  const plaintext = Buffer.from('terminal bytes \u00e9\u00e8 and more');

  it('round trip: header readable without the key, plaintext with it', () => {
    const sealed = sealChunk(key, SESSION, { index: 7, final: true }, plaintext);
    expect(sealed.length).toBe(plaintext.length + CHUNK_OVERHEAD_BYTES);
    expect(readChunkHeader(sealed)).toEqual({ index: 7, final: true });
    const opened = openChunk(key, SESSION, sealed);
    expect(opened).toMatchObject({ index: 7, final: true });
    expect(opened.plaintext.equals(plaintext)).toBe(true);
    expect(sealed.includes(plaintext)).toBe(false);
  });

  it('two seals of the same bytes differ (fresh IV) and hash differently', () => {
    const a = sealChunk(key, SESSION, { index: 0, final: false }, plaintext);
    const b = sealChunk(key, SESSION, { index: 0, final: false }, plaintext);
    expect(a.equals(b)).toBe(false);
    expect(chunkSha256(a)).not.toBe(chunkSha256(b));
    expect(chunkSha256(a)).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    ['a flipped ciphertext byte', (s: Buffer) => { s[CHUNK_OVERHEAD_BYTES - 16 + 2]! ^= 1; }],
    ['a flipped tag byte', (s: Buffer) => { s[s.length - 1]! ^= 1; }],
    ['a changed index', (s: Buffer) => { s.writeUInt32BE(8, 5); }],
    ['a set final flag', (s: Buffer) => { s.writeUInt8(1, 4); }],
    ['a changed IV', (s: Buffer) => { s[10]! ^= 0x80; }],
  ])('tamper → refused: %s', (_label, tamper) => {
    const sealed = sealChunk(key, SESSION, { index: 3, final: false }, plaintext);
    tamper(sealed);
    expect(() => openChunk(key, SESSION, sealed)).toThrow(RecordingIntegrityError);
  });

  it('wrong key or another session → refused', () => {
    const sealed = sealChunk(key, SESSION, { index: 1, final: false }, plaintext);
    expect(() => openChunk(generateRecordingKey(), SESSION, sealed)).toThrow(RecordingIntegrityError);
    expect(() => openChunk(key, OTHER_SESSION, sealed)).toThrow(RecordingIntegrityError);
  });

  it('truncated, foreign or badly flagged bytes → format errors', () => {
    const sealed = sealChunk(key, SESSION, { index: 1, final: false }, plaintext);
    expect(() => readChunkHeader(sealed.subarray(0, CHUNK_OVERHEAD_BYTES - 1))).toThrow(/truncated/);
    expect(() => openChunk(key, SESSION, sealed.subarray(0, sealed.length - 5))).toThrow(RecordingIntegrityError);
    const foreign = Buffer.from(sealed); foreign[0] = 0x41;
    expect(() => readChunkHeader(foreign)).toThrow(RecordingFormatError);
    const flagged = Buffer.from(sealed); flagged[4] = 0x80;
    expect(() => readChunkHeader(flagged)).toThrow(/unknown chunk flags/);
    expect(() => sealChunk(key.subarray(0, 16), SESSION, { index: 0, final: false }, plaintext)).toThrow(/32 bytes/);
    expect(() => sealChunk(key, SESSION, { index: -1, final: false }, plaintext)).toThrow(/out of range/);
  });

  it('an empty final chunk is valid (it marks the end)', () => {
    const sealed = sealChunk(key, SESSION, { index: 9, final: true }, new Uint8Array(0));
    expect(openChunk(key, SESSION, sealed).plaintext.length).toBe(0);
  });
});
