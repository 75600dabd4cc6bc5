/**
 * The on-disk spool: `<root>/<sessionId>/<index, 10 digits>.chunk`, each file one sealed chunk,
 * written to a temporary name and renamed, so a file that exists is whole. The files hold only
 * ciphertext (the key is never written), so any later gateway process can upload them.
 * Chunks the server refuses for good are moved to `<root>/rejected/` for an operator to look at.
 */
import { mkdir, open, readdir, rename, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CHUNK_FILE = /^(\d{10})\.chunk$/;
const REJECTED = 'rejected';

export interface SpooledChunk {
  sessionId: string;
  index: number;
  path: string;
}

/** Where one chunk goes: written under `temporary` in `directory`, then renamed to `path`. */
export interface ChunkFile {
  directory: string;
  temporary: string;
  path: string;
}

export class SpoolDirectory {
  constructor(readonly root: string) {}

  private sessionDir(sessionId: string): string {
    if (!UUID.test(sessionId)) throw new Error(`not a session id: ${sessionId}`);
    return join(this.root, sessionId);
  }

  /**
   * The names one chunk is written under. The temporary name carries this process's id, so
   * `pending` can tell a write in progress from one a dead process left behind.
   */
  chunkFile(sessionId: string, index: number): ChunkFile {
    const directory = this.sessionDir(sessionId);
    const name = `${String(index).padStart(10, '0')}.chunk`;
    return { directory, temporary: join(directory, `.${name}.${process.pid}.tmp`), path: join(directory, name) };
  }

  /** Writes one chunk (given whole or as consecutive parts) under its final name, atomically. */
  async writeChunk(sessionId: string, index: number, sealed: Uint8Array | Uint8Array[]): Promise<string> {
    const { directory, temporary, path } = this.chunkFile(sessionId, index);
    await mkdir(directory, { recursive: true, mode: 0o700 });
    const file = await open(temporary, 'w', 0o600);
    try {
      await file.writev(Array.isArray(sealed) ? sealed : [sealed]);
    } finally {
      await file.close();
    }
    await rename(temporary, path);
    return path;
  }

  /** Every whole chunk file, by session then index; leftover temporary files of dead writers are removed. */
  async pending(): Promise<SpooledChunk[]> {
    const sessions = await readdir(this.root).catch(() => [] as string[]);
    const chunks: SpooledChunk[] = [];
    for (const sessionId of sessions.filter((name) => UUID.test(name)).sort()) {
      const dir = join(this.root, sessionId);
      const names = await readdir(dir).catch(() => [] as string[]);
      for (const name of names.sort()) {
        const match = CHUNK_FILE.exec(name);
        if (match) chunks.push({ sessionId, index: Number(match[1]), path: join(dir, name) });
        else if (name.endsWith('.tmp') && !name.includes(`.${process.pid}.`)) await rm(join(dir, name), { force: true });
      }
    }
    return chunks;
  }

  /** The highest chunk index spooled for a session, or -1. */
  async highestIndex(sessionId: string): Promise<number> {
    const names = await readdir(this.sessionDir(sessionId)).catch(() => [] as string[]);
    return names.reduce((highest, name) => Math.max(highest, Number(CHUNK_FILE.exec(name)?.[1] ?? -1)), -1);
  }

  async remove(chunk: SpooledChunk): Promise<void> {
    await rm(chunk.path, { force: true });
  }

  async reject(chunk: SpooledChunk): Promise<string> {
    const dir = join(this.root, REJECTED);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const target = join(dir, `${chunk.sessionId}-${String(chunk.index).padStart(10, '0')}.chunk`);
    await rename(chunk.path, target);
    return target;
  }

  /** Removes a session's folder once it holds nothing (never a folder with a file in it). */
  async removeSessionIfEmpty(sessionId: string): Promise<void> {
    await rmdir(this.sessionDir(sessionId)).catch(() => undefined);
  }
}
