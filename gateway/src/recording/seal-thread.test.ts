import { afterAll, describe, expect, it } from 'vitest';
import { generateRecordingKey, openChunk } from '@postern/shared/recording/chunk';
import { SealThread } from './seal-thread.ts';

const SESSION = '4b8a1f0e-2c3d-4e5f-8a9b-0c1d2e3f4a5b';

describe('sealing on a worker thread', () => {
  const thread = new SealThread();
  afterAll(() => thread.close());

  it('produces chunks that open with the key, in any size, moving large plaintexts instead of copying', async () => {
    const key = generateRecordingKey();
    const large = Buffer.allocUnsafeSlow(200_000).fill(0x61);
    const small = Buffer.from('tiny');
    const expected = Buffer.from(large);
    const [sealedLarge, sealedSmall] = await Promise.all([
      thread.seal(key, SESSION, { index: 4, final: false }, large),
      thread.seal(key, SESSION, { index: 5, final: true }, small),
    ]);
    expect(large.byteLength).toBe(0); // transferred to the worker: the sender no longer holds it
    expect(small.toString()).toBe('tiny'); // pooled memory is copied, never taken away
    expect(openChunk(key, SESSION, Buffer.concat(sealedLarge))).toMatchObject({ index: 4, final: false, plaintext: expected });
    expect(openChunk(key, SESSION, Buffer.concat(sealedSmall)).plaintext.toString()).toBe('tiny');
    const reused = thread.allocate(200_000);
    expect(reused.buffer.byteLength).toBe(200_000); // the large plaintext came back for the next chunk
    expect(thread.allocate(200_000)).not.toBe(reused);
  });

  it('a bad key fails that chunk only', async () => {
    await expect(thread.seal(Buffer.alloc(5), SESSION, { index: 0, final: false }, Buffer.from('x'))).rejects.toThrow(/sealing a recording chunk failed/);
    const key = generateRecordingKey();
    expect(openChunk(key, SESSION, Buffer.concat(await thread.seal(key, SESSION, { index: 1, final: false }, Buffer.from('ok')))).plaintext.toString()).toBe('ok');
  });
});
