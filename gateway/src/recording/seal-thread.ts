/**
 * Seals recording chunks and appends them to the spool on a worker thread, so neither the
 * AES-256-GCM pass over every recorded byte nor the file writes run on the event loop that
 * carries the sessions. The event loop posts which shared slot holds the plaintext
 * (chunk-buffers.ts; nothing is copied) and hears back once the chunk is in its segment file;
 * the ciphertext is never allocated on the event loop's heap (256 KiB of garbage per chunk there
 * cost more in garbage collection than the seal itself: see docs/architecture.md "Recordings"). The chunk format is decided in
 * shared/src/recording/chunk.ts, file names and framing in spool-files.ts and spool-segments.ts;
 * the worker runs node:crypto's AES-256-GCM over the bytes, appends the frame it is given, and
 * starts a new segment file every CHUNKS_PER_SEGMENT chunks, after a failed write, and after a final chunk.
 */
import { Worker } from 'node:worker_threads';
import type { RecorderFlow } from '@postern/shared/recording/recorder';
import { ChunkBufferPool, MAX_SHARED_SLOTS } from './chunk-buffers.ts';
import { DEFAULT_CHUNK_BYTES } from './chunk-writer.ts';
import { CHUNK_OVERHEAD_BYTES, prepareChunkSeal, sealChunk, type ChunkHeader } from '@postern/shared/recording/chunk';
import type { SpoolDirectory } from './spool-files.ts';
import { CHUNKS_PER_SEGMENT, segmentFrameHeader } from './spool-segments.ts';

/**
 * Seals one chunk and hands it on: resolves with what the chunk writer's `persist` receives
 * (the sealed parts, or the spooled file's path). The plaintext must not be used after the call.
 */
export type ChunkSealer<Sealed = Uint8Array[]> = (key: Buffer, sessionId: string, header: ChunkHeader, plaintext: Buffer) => Promise<Sealed>;

/** Sealing on the calling thread, resolving with the sealed chunk (tests, tools). */
export const sealInline: ChunkSealer = async (key, sessionId, header, plaintext) => [sealChunk(key, sessionId, header, plaintext)];

/** Sealing on the calling thread into a whole chunk file of its own (tests, and a fallback when no worker can start). */
export function sealInlineInto(spool: SpoolDirectory): ChunkSealer<string> {
  return async (key, sessionId, header, plaintext) => spool.writeChunk(sessionId, header.index, sealChunk(key, sessionId, header, plaintext));
}

/** Where a chunk goes: the segment it would start, and its frame header. */
interface SegmentJob {
  segment: { directory: string; path: string };
  frame: Buffer;
  final: boolean;
}

// Plain CommonJS evaluated in the worker: no TypeScript loader is needed there. Blocking file
// calls are right here: this thread does nothing else, and chunks land in the order they came.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createCipheriv } = require('node:crypto');
const { closeSync, mkdirSync, openSync, writeSync, writevSync } = require('node:fs');
/** The open segment of each session folder: { fd, path, count }. */
const segments = new Map();
/** The shared chunk-buffer pools, by number (each arrives once, before any chunk in it). */
const pools = [];

function writeWhole(fd, parts) {
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const written = writevSync(fd, parts);
  if (written === total) return;
  const rest = Buffer.concat(parts).subarray(written);
  for (let offset = 0; offset < rest.length;) offset += writeSync(fd, rest, offset);
}

function closeSegment(directory) {
  const open = segments.get(directory);
  segments.delete(directory);
  if (open) closeSync(open.fd);
}

function openSegment({ directory, path }, chunksPerSegment) {
  const open = segments.get(directory);
  if (open && open.count < chunksPerSegment) return open;
  closeSegment(directory);
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  // 'w': a file by this name can only hold a torn first frame of a dead run (its index was never whole).
  const fresh = { fd: openSync(path, 'w', 0o600), path, count: 0 };
  segments.set(directory, fresh);
  return fresh;
}

function sealAndAppend({ key, iv, aad, head, plaintext, segment, frame, final, chunksPerSegment }) {
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
  cipher.setAAD(aad);
  const body = cipher.update(plaintext);
  cipher.final();
  const open = openSegment(segment, chunksPerSegment);
  try {
    writeWhole(open.fd, [frame, head, body, cipher.getAuthTag()]);
  } catch (error) {
    // A frame may be torn: nothing goes after it, the next chunk starts a new segment.
    closeSegment(segment.directory);
    throw error;
  }
  open.count += 1;
  if (final) closeSegment(segment.directory);
  return open.path;
}

parentPort.on('message', (job) => {
  if (job.addPool !== undefined) {
    pools[job.addPool] = job.shared;
    return;
  }
  if (job.closeAll) {
    for (const directory of [...segments.keys()]) closeSegment(directory);
    return parentPort.postMessage({ id: job.id, plaintext: null });
  }
  // A chunk in a shared slot is read in place; one that came as its own memory goes back for reuse.
  if (job.pool !== undefined) job.plaintext = Buffer.from(pools[job.pool], job.offset, job.length);
  const giveBack = job.pool === undefined && job.plaintext.buffer.byteLength > 8192 ? job.plaintext.buffer : null;
  try {
    const path = sealAndAppend(job);
    parentPort.postMessage({ id: job.id, path, plaintext: giveBack }, giveBack ? [giveBack] : []);
  } catch (error) {
    parentPort.postMessage({ id: job.id, plaintext: giveBack, error: String(error) }, giveBack ? [giveBack] : []);
  }
});
`;

interface Pending {
  resolve: (path: string) => void;
  reject: (error: Error) => void;
  /** The shared slot the chunk is read from, free again once the worker answers. */
  slot?: number | undefined;
}

interface WorkerAnswer {
  id: number;
  /** The segment the chunk went into. */
  path?: string;
  plaintext: ArrayBuffer | null;
  error?: string;
}

/**
 * Chunks handed to the worker and not yet on disk, at which sessions are asked to stop reading
 * (the shared slots are all out then: more would mean 448 KiB of new memory each), and at which
 * they are let go again.
 */
export const BACKLOG_HIGH_CHUNKS = MAX_SHARED_SLOTS;
export const BACKLOG_LOW_CHUNKS = MAX_SHARED_SLOTS / 2;

export class SealThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private readonly waitingForRoom = new Set<() => void>();
  private nextId = 0;
  private readonly buffers: ChunkBufferPool;
  private stopped: Error | undefined;

  constructor() {
    this.worker = new Worker(WORKER_SOURCE, { eval: true });
    // Messages keep their order: a pool reaches the worker before any chunk that lives in it.
    this.buffers = new ChunkBufferPool(DEFAULT_CHUNK_BYTES, (pool, shared) => this.worker.postMessage({ addPool: pool, shared }));
    this.worker.unref();
    this.worker.on('message', (answer: WorkerAnswer) => this.settle(answer));
    this.worker.on('error', (error) => this.failAll(error));
    this.worker.on('exit', (code) => this.failAll(new Error(`the sealing thread exited (${code})`)));
  }

  /** A sealer that appends each chunk to its session's segment in `spool` from the worker; resolves with the segment's path once it is there. */
  sealInto(spool: SpoolDirectory): ChunkSealer<string> {
    return (key, sessionId, header, plaintext) => {
      let job: SegmentJob;
      try {
        job = { segment: spool.segmentFile(sessionId, header.index), frame: segmentFrameHeader(CHUNK_OVERHEAD_BYTES + plaintext.length), final: header.final };
      } catch (error) {
        return Promise.reject(error as Error);
      }
      return this.post(key, sessionId, header, plaintext, job);
    };
  }

  /** Backpressure for the sessions recorded through this thread (RecorderFlow). */
  readonly flow: RecorderFlow = {
    behind: () => !this.stopped && this.pending.size >= BACKLOG_HIGH_CHUNKS,
    onceCaughtUp: (listener) => {
      if (this.stopped || this.pending.size <= BACKLOG_LOW_CHUNKS) listener();
      else this.waitingForRoom.add(listener);
    },
  };

  /** A chunk buffer of `size` bytes (a slot shared with the worker when one is free). */
  readonly allocate = (size: number): Buffer => this.buffers.allocate(size);

  /** A chunk buffer its writer will not seal (the writer stopped): back to the pool. */
  readonly release = (buffer: Buffer): void => this.buffers.release(buffer);

  /** Closes the open segment files (their descriptors belong to the process, not the thread), then stops the thread. */
  async close(): Promise<void> {
    if (!this.stopped) {
      const id = this.nextId;
      this.nextId += 1;
      const closed = new Promise<void>((resolve) => this.pending.set(id, { resolve: () => resolve(), reject: () => resolve() }));
      this.worker.postMessage({ id, closeAll: true });
      await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
    }
    await this.worker.terminate();
  }

  private post(key: Buffer, sessionId: string, header: ChunkHeader, plaintext: Buffer, job: SegmentJob): Promise<string> {
    if (this.stopped) return Promise.reject(this.stopped);
    const { head, iv, aad } = prepareChunkSeal(sessionId, header);
    const id = this.nextId;
    this.nextId += 1;
    const place = this.buffers.placeOf(plaintext);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, slot: place?.slot });
      // Small buffers may be slices of Node's 8 KiB pool: posting one would clone the whole pool, so they go as their own copies.
      const common = { id, key: new Uint8Array(key), iv, aad: new Uint8Array(aad), head, ...job, chunksPerSegment: CHUNKS_PER_SEGMENT };
      if (place) return this.worker.postMessage({ ...common, pool: place.pool, offset: place.offset, length: plaintext.length });
      // The pool itself (exactly poolSize bytes) is shared by unrelated buffers: never moved away.
      const transferable = plaintext.buffer.byteLength > Buffer.poolSize;
      this.worker.postMessage({ ...common, plaintext }, transferable ? [plaintext.buffer as ArrayBuffer] : []);
    });
  }

  private settle(answer: WorkerAnswer): void {
    const job = this.pending.get(answer.id);
    if (!job) return;
    this.pending.delete(answer.id);
    if (job.slot !== undefined) this.buffers.freeSlot(job.slot);
    if (answer.plaintext) this.buffers.keep(answer.plaintext);
    if (answer.error) job.reject(new Error(`sealing or spooling a recording chunk failed: ${answer.error}`));
    else job.resolve(answer.path ?? '');
    if (this.pending.size <= BACKLOG_LOW_CHUNKS) this.letWaitersGo();
  }

  private letWaitersGo(): void {
    if (this.waitingForRoom.size === 0) return;
    const listeners = [...this.waitingForRoom];
    this.waitingForRoom.clear();
    for (const listener of listeners) listener();
  }

  private failAll(error: Error): void {
    this.stopped ??= error;
    for (const job of this.pending.values()) job.reject(error);
    this.pending.clear();
    // A dead thread records nothing more: sessions must not wait for it.
    this.letWaitersGo();
  }
}
