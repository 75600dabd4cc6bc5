/**
 * The on-disk spool, one folder per session. The gateway appends sealed chunks to segment files
 * (`<first index>.<writer>.segment`, see spool-segments.ts); a single chunk can also be written
 * whole as `<index, 10 digits>.chunk` (temporary name, then rename: a file that exists is whole),
 * which is also what spools from before segments hold. The files hold only ciphertext (the key
 * is never written), so any later gateway process can upload them. A chunk leaves the spool once
 * the server confirmed it: a segment file is removed when every chunk in it is confirmed and
 * nothing more will be appended. Chunks the server refuses for good are copied to
 * `<root>/rejected/` for an operator to look at.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseSegment, SEGMENT_FILE, segmentName } from './spool-segments.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CHUNK_FILE = /^(\d{10})\.chunk$/;
const REJECTED = 'rejected';
/** Names this process's segments: a segment by another writer gets nothing more appended (its process is gone). */
const THIS_WRITER = randomBytes(8).toString('hex');

/** A segment as the last listing saw it. */
interface SegmentListing {
  path: string;
  indexes: number[];
  /** Nothing more will be appended: it holds the final chunk, a later segment exists, or its writer is another process. */
  complete: boolean;
}

export interface SpooledChunk {
  sessionId: string;
  index: number;
  path: string;
  /** Where the chunk sits in a segment file; absent for a whole `.chunk` file. */
  range?: { offset: number; length: number };
  segment?: SegmentListing;
}

/** Where one chunk goes: written under `temporary` in `directory`, then renamed to `path`. */
export interface ChunkFile {
  directory: string;
  temporary: string;
  path: string;
}

export class SpoolDirectory {
  /** Chunks of segments still on disk that the server confirmed (or that were set aside): `<path>#<index>`. */
  private readonly done = new Set<string>();

  constructor(readonly root: string) {}

  private sessionDir(sessionId: string): string {
    if (!UUID.test(sessionId)) throw new Error(`not a session id: ${sessionId}`);
    return join(this.root, sessionId);
  }

  /** The segment a chunk starts when it opens a new one (the seal thread decides when: see CHUNKS_PER_SEGMENT). */
  segmentFile(sessionId: string, index: number): { directory: string; path: string } {
    const directory = this.sessionDir(sessionId);
    return { directory, path: join(directory, segmentName(index, THIS_WRITER)) };
  }

  /**
   * The names one whole chunk file is written under. The temporary name carries this process's
   * id, so `pending` can tell a write in progress from one a dead process left behind.
   */
  chunkFile(sessionId: string, index: number): ChunkFile {
    const directory = this.sessionDir(sessionId);
    const name = `${String(index).padStart(10, '0')}.chunk`;
    return { directory, temporary: join(directory, `.${name}.${process.pid}.tmp`), path: join(directory, name) };
  }

  /** Writes one chunk (given whole or as consecutive parts) as its own file, atomically. */
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

  /**
   * Every whole chunk not yet confirmed, by session then index; segments whose chunks are all
   * confirmed and that will not grow are removed, and leftover temporary files of dead writers too.
   */
  async pending(): Promise<SpooledChunk[]> {
    const sessions = await readdir(this.root).catch(() => [] as string[]);
    const chunks: SpooledChunk[] = [];
    for (const sessionId of sessions.filter((name) => UUID.test(name)).sort()) {
      chunks.push(...await this.sessionChunks(sessionId));
    }
    return chunks;
  }

  /** A spooled chunk's sealed bytes. */
  async read(chunk: SpooledChunk): Promise<Buffer> {
    if (!chunk.range) return readFile(chunk.path);
    const file = await open(chunk.path, 'r');
    try {
      const bytes = Buffer.alloc(chunk.range.length);
      const { bytesRead } = await file.read(bytes, 0, bytes.length, chunk.range.offset);
      if (bytesRead !== bytes.length) throw new Error(`${chunk.path} ends inside chunk ${chunk.index}`);
      return bytes;
    } finally {
      await file.close();
    }
  }

  /** The highest chunk index spooled for a session, or -1. */
  async highestIndex(sessionId: string): Promise<number> {
    const dir = this.sessionDir(sessionId);
    const names = await readdir(dir).catch(() => [] as string[]);
    let highest = -1;
    for (const name of names) {
      const single = CHUNK_FILE.exec(name);
      if (single) highest = Math.max(highest, Number(single[1]));
      else if (SEGMENT_FILE.test(name)) highest = Math.max(highest, ...this.framesOf(await readFile(join(dir, name)).catch(() => Buffer.alloc(0))));
    }
    return highest;
  }

  /** The server confirmed the chunk: it leaves the spool (its segment once every chunk in it is confirmed). */
  async remove(chunk: SpooledChunk): Promise<void> {
    if (!chunk.segment) return rm(chunk.path, { force: true });
    this.done.add(`${chunk.path}#${chunk.index}`);
    if (chunk.segment.complete && chunk.segment.indexes.every((index) => this.done.has(`${chunk.path}#${index}`))) await this.dropSegment(chunk.segment);
  }

  /** Sets a chunk the server refuses for good aside in `rejected/`, and returns where. */
  async reject(chunk: SpooledChunk): Promise<string> {
    const dir = join(this.root, REJECTED);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const target = join(dir, `${chunk.sessionId}-${String(chunk.index).padStart(10, '0')}.chunk`);
    if (!chunk.segment) {
      await rename(chunk.path, target);
      return target;
    }
    await writeFile(target, await this.read(chunk), { mode: 0o600 });
    await this.remove(chunk);
    return target;
  }

  /** Removes a session's folder once it holds nothing (never a folder with a file in it). */
  async removeSessionIfEmpty(sessionId: string): Promise<void> {
    await rmdir(this.sessionDir(sessionId)).catch(() => undefined);
  }

  private framesOf(bytes: Buffer): number[] {
    return parseSegment(bytes).map((frame) => frame.index);
  }

  private async sessionChunks(sessionId: string): Promise<SpooledChunk[]> {
    const dir = join(this.root, sessionId);
    const names = (await readdir(dir).catch(() => [] as string[])).sort();
    const chunks: SpooledChunk[] = [];
    const segments = names.filter((name) => SEGMENT_FILE.test(name));
    for (const name of names) {
      const match = CHUNK_FILE.exec(name);
      if (match) chunks.push({ sessionId, index: Number(match[1]), path: join(dir, name) });
      else if (name.endsWith('.tmp') && !name.includes(`.${process.pid}.`)) await rm(join(dir, name), { force: true });
    }
    for (const [position, name] of segments.entries()) {
      const path = join(dir, name);
      const frames = parseSegment(await readFile(path).catch(() => Buffer.alloc(0)));
      const complete = frames.at(-1)?.final === true || position < segments.length - 1 || SEGMENT_FILE.exec(name)![2] !== THIS_WRITER;
      const segment: SegmentListing = { path, indexes: frames.map((frame) => frame.index), complete };
      const left = frames.filter((frame) => !this.done.has(`${path}#${frame.index}`));
      if (complete && left.length === 0) await this.dropSegment(segment);
      for (const frame of left) chunks.push({ sessionId, index: frame.index, path, range: { offset: frame.offset, length: frame.length }, segment });
    }
    return chunks.sort((a, b) => a.index - b.index);
  }

  private async dropSegment(segment: SegmentListing): Promise<void> {
    await rm(segment.path, { force: true });
    for (const index of segment.indexes) this.done.delete(`${segment.path}#${index}`);
  }
}
