import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SpoolDirectory } from './spool-files.ts';

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
