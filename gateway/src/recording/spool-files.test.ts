import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateRecordingKey, openChunk, sealChunk } from '@postern/shared/recording/chunk';
import { SpoolDirectory } from './spool-files.ts';
import { parseSegment, segmentFrameHeader, segmentName } from './spool-segments.ts';

const A = '4b8a1f0e-2c3d-4e5f-8a9b-0c1d2e3f4a5b';
const B = '5b8a1f0e-2c3d-4e5f-8a9b-0c1d2e3f4a5b';

describe('the spool folder', () => {
  const dirs: string[] = [];
  afterEach(() => { for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true }); });
  const spool = () => { const dir = mkdtempSync(join(tmpdir(), 'postern-spool-')); dirs.push(dir); return new SpoolDirectory(dir); };

  it('writes whole files, lists them by session and index, knows the highest index', async () => {
    const s = spool();
    await s.writeChunk(B, 0, Buffer.from('b0'));
    await s.writeChunk(A, 10, Buffer.from('a10'));
    await s.writeChunk(A, 2, Buffer.from('a2'));
    expect((await s.pending()).map((c) => `${c.sessionId.slice(0, 1)}${c.index}`)).toEqual(['42', '410', '50']);
    expect(readFileSync((await s.pending())[0]!.path, 'utf8')).toBe('a2');
    expect(await s.highestIndex(A)).toBe(10);
    expect(await s.highestIndex('6b8a1f0e-2c3d-4e5f-8a9b-0c1d2e3f4a5b')).toBe(-1);
  });

  it("ignores foreign names, removes dead writers' temporary files, keeps rejected chunks apart", async () => {
    const s = spool();
    const path = await s.writeChunk(A, 1, Buffer.from('a1'));
    writeFileSync(join(s.root, A, '.0000000002.chunk.999999.tmp'), 'half');
    writeFileSync(join(s.root, 'notes.txt'), 'x');
    const pending = await s.pending();
    expect(pending.map((c) => c.path)).toEqual([path]);
    expect(readdirSync(join(s.root, A))).toEqual(['0000000001.chunk']);
    const kept = await s.reject(pending[0]!);
    expect(readFileSync(kept, 'utf8')).toBe('a1');
    expect(await s.pending()).toEqual([]);
    await s.removeSessionIfEmpty(A);
    expect(readdirSync(s.root).sort()).toEqual(['notes.txt', 'rejected']);
  });

  it('refuses a session id that could leave the folder', async () => {
    await expect(spool().writeChunk('../../etc', 0, Buffer.from('x'))).rejects.toThrow(/not a session id/);
  });
});

describe('segment files in the spool', () => {
  const dirs: string[] = [];
  afterEach(() => { for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true }); });
  const spool = () => { const dir = mkdtempSync(join(tmpdir(), 'postern-spool-seg-')); dirs.push(dir); return new SpoolDirectory(dir); };
  const key = generateRecordingKey();
  const frame = (index: number, final = false) => {
    const sealed = sealChunk(key, A, { index, final }, Buffer.from(`chunk ${index}`));
    return Buffer.concat([segmentFrameHeader(sealed.length), sealed]);
  };
  const opened = async (s: SpoolDirectory) => Promise.all((await s.pending()).map(async (c) => openChunk(key, A, await s.read(c)).plaintext.toString()));

  it("lists a dead writer's whole frames only (a torn tail is no chunk) and removes the segment once every chunk is confirmed", async () => {
    const s = spool();
    mkdirSync(join(s.root, A), { recursive: true });
    const path = join(s.root, A, segmentName(0, 'deadbeefdeadbeef'));
    writeFileSync(path, Buffer.concat([frame(0), frame(1), frame(2), frame(3).subarray(0, 30)]));
    expect(await opened(s)).toEqual(['chunk 0', 'chunk 1', 'chunk 2']);
    expect(await s.highestIndex(A)).toBe(2);
    const [c0, c1, c2] = await s.pending();
    await s.remove(c0!);
    const kept = await s.reject(c1!);
    expect(openChunk(key, A, readFileSync(kept)).index).toBe(1);
    expect(existsSync(path)).toBe(true);
    expect((await s.pending()).map((c) => c.index)).toEqual([2]);
    await s.remove(c2!);
    expect(existsSync(path)).toBe(false);
  });

  it("keeps this process's open segment until it is final or followed, even when every chunk in it is confirmed", async () => {
    const s = spool();
    const { directory, path } = s.segmentFile(A, 5);
    mkdirSync(directory, { recursive: true });
    writeFileSync(path, Buffer.concat([frame(5), frame(6)]));
    for (const chunk of await s.pending()) await s.remove(chunk);
    expect(await s.pending()).toEqual([]);
    expect(existsSync(path)).toBe(true); // the seal thread may still append to it
    writeFileSync(path, frame(7, true), { flag: 'a' });
    expect(await opened(s)).toEqual(['chunk 7']);
    await s.remove((await s.pending())[0]!);
    expect(existsSync(path)).toBe(false);
  });

  it('a segment followed by a later one is complete', async () => {
    const s = spool();
    const first = s.segmentFile(A, 0);
    mkdirSync(first.directory, { recursive: true });
    writeFileSync(first.path, frame(0));
    writeFileSync(s.segmentFile(A, 1).path, frame(1));
    await s.remove((await s.pending())[0]!);
    expect(existsSync(first.path)).toBe(false);
    expect((await s.pending()).map((c) => c.index)).toEqual([1]);
  });

  it('stops reading at a damaged frame: a wrong length, or an index that does not follow', () => {
    const bad = Buffer.concat([frame(0), frame(2)]);
    expect(parseSegment(bad).map((f) => f.index)).toEqual([0]);
    const huge = Buffer.concat([frame(0), Buffer.from([0xff, 0xff, 0xff, 0xff]), frame(1)]);
    expect(parseSegment(huge).map((f) => f.index)).toEqual([0]);
    const afterFinal = Buffer.concat([frame(0, true), frame(1)]);
    expect(parseSegment(afterFinal).map((f) => f.index)).toEqual([0]);
    expect(parseSegment(Buffer.alloc(0))).toEqual([]);
  });
});
