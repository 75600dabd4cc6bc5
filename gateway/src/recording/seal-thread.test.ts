import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateRecordingKey, openChunk } from '@postern/shared/recording/chunk';
import { BACKLOG_HIGH_CHUNKS, BACKLOG_LOW_CHUNKS, SealThread, sealInlineInto } from './seal-thread.ts';
import { SpoolDirectory } from './spool-files.ts';
import { CHUNKS_PER_SEGMENT } from './spool-segments.ts';

const SESSION = '4b8a1f0e-2c3d-4e5f-8a9b-0c1d2e3f4a5b';
const OTHER = '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a';

const dirs: string[] = [];
function spoolDir(): SpoolDirectory {
  const dir = mkdtempSync(join(tmpdir(), 'postern-seal-thread-'));
  dirs.push(dir);
  return new SpoolDirectory(join(dir, 'spool'));
}
const filesIn = (dir: string) => (existsSync(dir) ? readdirSync(dir).sort() : []);
/** Every chunk the spool lists, opened with the key. */
async function openedChunks(spool: SpoolDirectory, key: Buffer, sessionId = SESSION) {
  return Promise.all((await spool.pending()).map(async (chunk) => ({ path: chunk.path, ...openChunk(key, sessionId, await spool.read(chunk)) })));
}

describe('sealing and spooling on a worker thread', () => {
  const thread = new SealThread();
  /** Takes shared slots until the thread hands out memory of its own; that last buffer is released again. */
  function everySharedSlot(size: number): Buffer[] {
    const slots: Buffer[] = [];
    for (;;) {
      const buffer = thread.allocate(size);
      if (buffer.buffer instanceof SharedArrayBuffer) slots.push(buffer);
      else return (thread.release(buffer), slots);
    }
  }
  afterAll(async () => {
    await thread.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('appends chunks that open with the key, in any size, moving large plaintexts instead of copying', async () => {
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
    expect(largePath).toBe(spool.segmentFile(SESSION, 4).path);
    expect(smallPath).toBe(largePath); // one segment file, two frames
    const [first, second] = await openedChunks(spool, key);
    expect(first).toMatchObject({ index: 4, final: false, plaintext: expected });
    expect(second!.plaintext.toString()).toBe('tiny');
    expect(filesIn(join(spool.root, SESSION))).toHaveLength(1);
  });

  it('says it is behind once the backlog of chunks not yet on disk reaches the high mark, and calls back when it is down to the low mark', async () => {
    const spool = spoolDir();
    const seal = thread.sealInto(spool);
    const key = generateRecordingKey();
    expect(thread.flow.behind()).toBe(false);
    let caughtUp = 0;
    thread.flow.onceCaughtUp(() => { caughtUp += 1; }); // not behind: at once
    expect(caughtUp).toBe(1);
    const sealed: Promise<string>[] = [];
    // Posting is synchronous and the worker answers later, so the backlog is exactly what was posted.
    for (let index = 0; index < BACKLOG_HIGH_CHUNKS; index += 1) sealed.push(seal(key, SESSION, { index, final: false }, Buffer.alloc(64, index)));
    expect(thread.flow.behind()).toBe(true);
    const whenCaughtUp = new Promise<number>((resolve) => thread.flow.onceCaughtUp(() => resolve(sealed.length)));
    expect(caughtUp).toBe(1);
    await whenCaughtUp;
    expect(thread.flow.behind()).toBe(false);
    await Promise.all(sealed);
    expect(BACKLOG_LOW_CHUNKS).toBeLessThan(BACKLOG_HIGH_CHUNKS);
    expect((await openedChunks(spool, key)).map((chunk) => chunk.index)).toEqual([...Array(BACKLOG_HIGH_CHUNKS).keys()]);
  });

  it('chunk buffers are slots shared with the worker: read in place, free again once spooled, own memory when all are out', async () => {
    const spool = spoolDir();
    const seal = thread.sealInto(spool);
    const key = generateRecordingKey();
    const slots = everySharedSlot(1_000);
    expect(slots.length).toBeGreaterThanOrEqual(8);
    const own = thread.allocate(1_000); // every slot is out: memory of its own
    expect(own.buffer).not.toBeInstanceOf(SharedArrayBuffer);
    slots[0]!.fill(0x62);
    await seal(key, SESSION, { index: 0, final: false }, slots[0]!);
    expect(slots[0]!.byteLength).toBe(1_000); // nothing moved away
    const again = thread.allocate(1_000);
    expect(again.buffer).toBe(slots[0]!.buffer); // its slot is free again
    expect((await openedChunks(spool, key))[0]!.plaintext.every((byte) => byte === 0x62)).toBe(true);
    for (const buffer of [...slots.slice(1), again, own]) thread.release(buffer);
  });

  it('when every slot is out another shared pool is made (up to a bound), and the worker reads chunks in it in place', async () => {
    const spool = spoolDir();
    const seal = thread.sealInto(spool);
    const key = generateRecordingKey();
    const slots = everySharedSlot(2_000);
    const pools = new Set(slots.map((buffer) => buffer.buffer));
    expect(pools.size).toBeGreaterThan(1);
    const later = slots.find((buffer) => buffer.buffer !== slots[0]!.buffer)!; // a slot of another pool
    later.fill(0x63);
    await seal(key, SESSION, { index: 0, final: true }, later);
    const [opened] = await openedChunks(spool, key);
    expect(opened!.plaintext).toEqual(Buffer.alloc(2_000, 0x63));
    const again = thread.allocate(2_000);
    expect(again.buffer).toBe(later.buffer); // its slot came back, in its own pool
    for (const buffer of [...slots.filter((buffer) => buffer !== later), again]) thread.release(buffer);
  });

  it('a chunk is whole on disk when its promise resolves; chunks land in order, a new segment every CHUNKS_PER_SEGMENT', async () => {
    const spool = spoolDir();
    const seal = thread.sealInto(spool);
    const key = generateRecordingKey();
    const seen: number[] = [];
    const writes = Array.from({ length: 24 }, (_, index) => {
      const plaintext = thread.allocate(64 * 1024).fill(index);
      return seal(key, SESSION, { index, final: index === 23 }, plaintext).then(async (path) => {
        seen.push(index);
        const listed = (await spool.pending()).find((chunk) => chunk.index === index)!;
        expect(listed.path).toBe(path);
        expect(openChunk(key, SESSION, await spool.read(listed)).plaintext.every((byte) => byte === index)).toBe(true);
      });
    });
    await Promise.all(writes);
    expect(seen).toEqual(Array.from({ length: 24 }, (_, i) => i));
    expect(filesIn(join(spool.root, SESSION))).toEqual([0, CHUNKS_PER_SEGMENT].map((first) => spool.segmentFile(SESSION, first).path.split('/').at(-1)));
    expect((await openedChunks(spool, key)).map((c) => [c.index, c.final])).toEqual(Array.from({ length: 24 }, (_, i) => [i, i === 23]));
    // Every buffer came back and is kept (more than a handful: a burst after the worker fell behind), still holding its chunk's bytes.
    const reused = Array.from({ length: 24 }, () => thread.allocate(64 * 1024));
    const fills = reused.map((buffer) => (buffer.every((byte) => byte === buffer[0]) ? buffer[0] : -1)).sort((a, b) => a! - b!);
    expect(fills).toEqual(Array.from({ length: 24 }, (_, i) => i));
  });

  it('writes the same chunk the inline path would', async () => {
    const workerSpool = spoolDir();
    const inlineSpool = spoolDir();
    const key = generateRecordingKey();
    const plaintext = Buffer.from('the same records either way');
    const [fromWorker, inline] = await Promise.all([
      thread.sealInto(workerSpool)(key, OTHER, { index: 9, final: true }, Buffer.from(plaintext)),
      sealInlineInto(inlineSpool)(key, OTHER, { index: 9, final: true }, Buffer.from(plaintext)),
    ]);
    expect(fromWorker).toBe(workerSpool.segmentFile(OTHER, 9).path);
    const [a] = await Promise.all((await workerSpool.pending()).map((chunk) => workerSpool.read(chunk)));
    const b = readFileSync(inline);
    expect(a!.length).toBe(b.length);
    expect(openChunk(key, OTHER, a!)).toEqual(openChunk(key, OTHER, b));
  });

  it('a bad key or an unwritable spool fails that chunk only', async () => {
    const spool = spoolDir();
    const seal = thread.sealInto(spool);
    await expect(seal(Buffer.alloc(5), SESSION, { index: 0, final: false }, Buffer.from('x'))).rejects.toThrow(/sealing or spooling a recording chunk failed/);
    expect(filesIn(join(spool.root, SESSION))).toEqual([]);
    mkdirSync(spool.root, { recursive: true });
    writeFileSync(join(spool.root, OTHER), 'a file where the session folder should be');
    await expect(seal(generateRecordingKey(), OTHER, { index: 0, final: false }, Buffer.from('x'))).rejects.toThrow(/EEXIST|ENOTDIR/);
    await expect(seal(generateRecordingKey(), '../../etc', { index: 0, final: false }, Buffer.from('x'))).rejects.toThrow(/not a session id/);
    const key = generateRecordingKey();
    await seal(key, SESSION, { index: 1, final: false }, Buffer.from('ok'));
    expect((await openedChunks(spool, key)).map((c) => [c.index, c.plaintext.toString()])).toEqual([[1, 'ok']]);
  });

  it('after the thread is gone, sealing refuses at once instead of waiting forever, and no session is held back for it', async () => {
    const gone = new SealThread();
    const seal = gone.sealInto(spoolDir());
    const backlog = Array.from({ length: BACKLOG_HIGH_CHUNKS }, (_, index) => seal(generateRecordingKey(), SESSION, { index, final: false }, Buffer.from('x')));
    for (const chunk of backlog) chunk.catch(() => undefined);
    expect(gone.flow.behind()).toBe(true);
    const released = new Promise<void>((resolve) => gone.flow.onceCaughtUp(resolve));
    await gone.close();
    await released;
    expect(gone.flow.behind()).toBe(false);
    await expect(seal(generateRecordingKey(), SESSION, { index: 0, final: false }, Buffer.from('x'))).rejects.toThrow(/sealing thread exited/);
  });
});
