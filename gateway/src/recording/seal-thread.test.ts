import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateRecordingKey, openChunk } from '@postern/shared/recording/chunk';
import { SealThread, sealInlineInto } from './seal-thread.ts';
import { SpoolDirectory } from './spool-files.ts';

const SESSION = '4b8a1f0e-2c3d-4e5f-8a9b-0c1d2e3f4a5b';
const OTHER = '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a';

const dirs: string[] = [];
function spoolDir(): SpoolDirectory {
  const dir = mkdtempSync(join(tmpdir(), 'postern-seal-thread-'));
  dirs.push(dir);
  return new SpoolDirectory(join(dir, 'spool'));
}
const filesIn = (dir: string) => (existsSync(dir) ? readdirSync(dir).sort() : []);

describe('sealing and spooling on a worker thread', () => {
  const thread = new SealThread();
  afterAll(async () => {
    await thread.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('writes chunks that open with the key, in any size, moving large plaintexts instead of copying', async () => {
    const spool = spoolDir();
    const seal = thread.sealInto(spool);
    const key = generateRecordingKey();
    const large = Buffer.allocUnsafeSlow(200_000).fill(0x61);
    const small = Buffer.from('tiny');
    const expected = Buffer.from(large);
    const [largePath, smallPath] = await Promise.all([
      seal(key, SESSION, { index: 4, final: false }, large),
      seal(key, SESSION, { index: 5, final: true }, small),
    ]);
    expect(large.byteLength).toBe(0); // transferred to the worker: the sender no longer holds it
    expect(small.toString()).toBe('tiny'); // pooled memory is copied, never taken away
    expect(largePath).toBe(spool.chunkFile(SESSION, 4).path);
    expect(openChunk(key, SESSION, readFileSync(largePath))).toMatchObject({ index: 4, final: false, plaintext: expected });
    expect(openChunk(key, SESSION, readFileSync(smallPath)).plaintext.toString()).toBe('tiny');
    expect(filesIn(join(spool.root, SESSION))).toEqual(['0000000004.chunk', '0000000005.chunk']); // no temporary file left
    expect((await spool.pending()).map((c) => c.index)).toEqual([4, 5]);
    const reused = thread.allocate(200_000);
    expect(reused.buffer.byteLength).toBe(200_000); // the large plaintext came back for the next chunk
    expect(thread.allocate(200_000)).not.toBe(reused);
  });

  it('a chunk is whole on disk when its promise resolves, and chunks land in the order they were handed over', async () => {
    const spool = spoolDir();
    const seal = thread.sealInto(spool);
    const key = generateRecordingKey();
    const seen: number[] = [];
    const writes = Array.from({ length: 24 }, (_, index) => {
      const plaintext = thread.allocate(64 * 1024).fill(index);
      return seal(key, SESSION, { index, final: index === 23 }, plaintext).then((path) => {
        seen.push(index);
        expect(openChunk(key, SESSION, readFileSync(path)).plaintext.every((byte) => byte === index)).toBe(true);
      });
    });
    await Promise.all(writes);
    expect(seen).toEqual(Array.from({ length: 24 }, (_, i) => i));
    // Every buffer came back and is kept (more than a handful: a burst after the worker fell behind), still holding its chunk's bytes.
    const reused = Array.from({ length: 24 }, () => thread.allocate(64 * 1024));
    const fills = reused.map((buffer) => (buffer.every((byte) => byte === buffer[0]) ? buffer[0] : -1)).sort((a, b) => a! - b!);
    expect(fills).toEqual(Array.from({ length: 24 }, (_, i) => i));
  });

  it('writes the same bytes the inline path would (same format, same names)', async () => {
    const workerSpool = spoolDir();
    const inlineSpool = spoolDir();
    const key = generateRecordingKey();
    const plaintext = Buffer.from('the same records either way');
    const [fromWorker, inline] = await Promise.all([
      thread.sealInto(workerSpool)(key, OTHER, { index: 9, final: true }, Buffer.from(plaintext)),
      sealInlineInto(inlineSpool)(key, OTHER, { index: 9, final: true }, Buffer.from(plaintext)),
    ]);
    expect(fromWorker.slice(workerSpool.root.length)).toBe(inline.slice(inlineSpool.root.length));
    const [a, b] = [readFileSync(fromWorker), readFileSync(inline)];
    expect(a.length).toBe(b.length);
    expect(openChunk(key, OTHER, a)).toEqual(openChunk(key, OTHER, b));
  });

  it('a bad key or an unwritable spool fails that chunk only, leaving no temporary file', async () => {
    const spool = spoolDir();
    const seal = thread.sealInto(spool);
    await expect(seal(Buffer.alloc(5), SESSION, { index: 0, final: false }, Buffer.from('x'))).rejects.toThrow(/sealing or spooling a recording chunk failed/);
    expect(filesIn(join(spool.root, SESSION))).toEqual([]);
    mkdirSync(spool.root, { recursive: true });
    writeFileSync(join(spool.root, OTHER), 'a file where the session folder should be');
    await expect(seal(generateRecordingKey(), OTHER, { index: 0, final: false }, Buffer.from('x'))).rejects.toThrow(/EEXIST|ENOTDIR/);
    await expect(seal(generateRecordingKey(), '../../etc', { index: 0, final: false }, Buffer.from('x'))).rejects.toThrow(/not a session id/);
    const key = generateRecordingKey();
    const path = await seal(key, SESSION, { index: 1, final: false }, Buffer.from('ok'));
    expect(openChunk(key, SESSION, readFileSync(path)).plaintext.toString()).toBe('ok');
    expect(filesIn(join(spool.root, SESSION))).toEqual(['0000000001.chunk']);
  });

  it('after the thread is gone, sealing refuses at once instead of waiting forever', async () => {
    const gone = new SealThread();
    await gone.close();
    await expect(gone.sealInto(spoolDir())(generateRecordingKey(), SESSION, { index: 0, final: false }, Buffer.from('x'))).rejects.toThrow(/sealing thread exited/);
  });
});
