/**
 * Seals recording chunks and writes them to the spool on a worker thread, so neither the
 * AES-256-GCM pass over every recorded byte nor the file writes run on the event loop that
 * carries the sessions. The event loop posts the plaintext (its memory moved, not copied) and
 * hears back once the chunk file is whole on disk; the ciphertext is never allocated on the
 * event loop's heap (256 KiB of garbage per chunk there cost more in garbage collection than
 * the seal itself: see docs/architecture.md "Recordings"). The chunk format is decided in
 * shared/src/recording/chunk.ts and the file names in spool-files.ts; the worker only runs
 * node:crypto's AES-256-GCM over the bytes and writes the file the way `SpoolDirectory.writeChunk` does.
 */
import { Worker } from 'node:worker_threads';
import { prepareChunkSeal, sealChunk, type ChunkHeader } from '@postern/shared/recording/chunk';
import type { ChunkFile, SpoolDirectory } from './spool-files.ts';

/**
 * Seals one chunk and hands it on: resolves with what the chunk writer's `persist` receives
 * (the sealed parts, or the spooled file's path). The plaintext must not be used after the call.
 */
export type ChunkSealer<Sealed = Uint8Array[]> = (key: Buffer, sessionId: string, header: ChunkHeader, plaintext: Buffer) => Promise<Sealed>;

/** Sealing on the calling thread, resolving with the sealed chunk (tests, tools). */
export const sealInline: ChunkSealer = async (key, sessionId, header, plaintext) => [sealChunk(key, sessionId, header, plaintext)];

/** Sealing and spooling on the calling thread (the fallback when no worker can start). */
export function sealInlineInto(spool: SpoolDirectory): ChunkSealer<string> {
  return async (key, sessionId, header, plaintext) => spool.writeChunk(sessionId, header.index, sealChunk(key, sessionId, header, plaintext));
}

/**
 * Plaintext buffers the worker handed back, for the next chunks: fresh memory costs page faults
 * on every first touch. Counted in bytes so a burst of returns after the worker fell behind on
 * bulk output is kept (up to 16 MiB for every session together) instead of left to the collector.
 */
const MAX_SPARE_BYTES = 16 * 1024 * 1024;

// Plain CommonJS evaluated in the worker: no TypeScript loader is needed there. Blocking file
// calls are right here: this thread does nothing else, and chunks land in the order they came.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createCipheriv } = require('node:crypto');
const { closeSync, mkdirSync, openSync, renameSync, rmSync, writeSync, writevSync } = require('node:fs');

function writeWhole(fd, parts) {
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  let written = writevSync(fd, parts);
  if (written === total) return;
  const rest = Buffer.concat(parts).subarray(written);
  for (let offset = 0; offset < rest.length;) offset += writeSync(fd, rest, offset);
}

function sealAndWrite({ key, iv, aad, head, plaintext, file }) {
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
  cipher.setAAD(aad);
  const body = cipher.update(plaintext);
  cipher.final();
  mkdirSync(file.directory, { recursive: true, mode: 0o700 });
  const fd = openSync(file.temporary, 'w', 0o600);
  try {
    writeWhole(fd, [head, body, cipher.getAuthTag()]);
  } finally {
    closeSync(fd);
  }
  renameSync(file.temporary, file.path);
}

parentPort.on('message', (job) => {
  // The plaintext goes back for reuse when it came as its own memory.
  const giveBack = job.plaintext.buffer.byteLength > 8192 ? job.plaintext.buffer : null;
  try {
    sealAndWrite(job);
    parentPort.postMessage({ id: job.id, plaintext: giveBack }, giveBack ? [giveBack] : []);
  } catch (error) {
    try { rmSync(job.file.temporary, { force: true }); } catch {}
    parentPort.postMessage({ id: job.id, plaintext: giveBack, error: String(error) }, giveBack ? [giveBack] : []);
  }
});
`;

interface Pending {
  resolve: (path: string) => void;
  reject: (error: Error) => void;
  path: string;
}

interface WorkerAnswer {
  id: number;
  plaintext: ArrayBuffer | null;
  error?: string;
}

export class SealThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private readonly spare: ArrayBuffer[] = [];
  private spareBytes = 0;
  private stopped: Error | undefined;

  constructor() {
    this.worker = new Worker(WORKER_SOURCE, { eval: true });
    this.worker.unref();
    this.worker.on('message', (answer: WorkerAnswer) => this.settle(answer));
    this.worker.on('error', (error) => this.failAll(error));
    this.worker.on('exit', (code) => this.failAll(new Error(`the sealing thread exited (${code})`)));
  }

  /** A sealer that writes each chunk into `spool` from the worker and resolves with the chunk file's path. */
  sealInto(spool: SpoolDirectory): ChunkSealer<string> {
    return (key, sessionId, header, plaintext) => {
      let file: ChunkFile;
      try {
        file = spool.chunkFile(sessionId, header.index);
      } catch (error) {
        return Promise.reject(error as Error);
      }
      return this.post(key, sessionId, header, plaintext, file);
    };
  }

  /** A chunk buffer of `size` bytes: a returned one when there is one, fresh memory otherwise. */
  readonly allocate = (size: number): Buffer => {
    const index = this.spare.findIndex((buffer) => buffer.byteLength === size);
    if (index < 0) return Buffer.allocUnsafeSlow(size);
    this.spareBytes -= size;
    return Buffer.from(this.spare.splice(index, 1)[0]!);
  };

  async close(): Promise<void> {
    await this.worker.terminate();
  }

  private post(key: Buffer, sessionId: string, header: ChunkHeader, plaintext: Buffer, file: ChunkFile): Promise<string> {
    if (this.stopped) return Promise.reject(this.stopped);
    const { head, iv, aad } = prepareChunkSeal(sessionId, header);
    const id = this.nextId;
    this.nextId += 1;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, path: file.path });
      // Node's small-buffer pool (exactly poolSize bytes) is shared by unrelated buffers: never moved away.
      const transferable = plaintext.buffer.byteLength > Buffer.poolSize;
      // Small buffers may be slices of that pool too: posting one would clone the whole 8 KiB pool, so they go as their own copies.
      this.worker.postMessage({ id, key: new Uint8Array(key), iv, aad: new Uint8Array(aad), head, plaintext, file }, transferable ? [plaintext.buffer as ArrayBuffer] : []);
    });
  }

  private settle(answer: WorkerAnswer): void {
    const job = this.pending.get(answer.id);
    if (!job) return;
    this.pending.delete(answer.id);
    if (answer.plaintext && this.spareBytes + answer.plaintext.byteLength <= MAX_SPARE_BYTES) {
      this.spare.push(answer.plaintext);
      this.spareBytes += answer.plaintext.byteLength;
    }
    if (answer.error) job.reject(new Error(`sealing or spooling a recording chunk failed: ${answer.error}`));
    else job.resolve(job.path);
  }

  private failAll(error: Error): void {
    this.stopped ??= error;
    for (const job of this.pending.values()) job.reject(error);
    this.pending.clear();
  }
}
