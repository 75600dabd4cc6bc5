/**
 * Seals recording chunks on a worker thread, so the AES-256-GCM pass over every recorded byte
 * does not run on the event loop that carries the sessions (measured: ~20% of bulk SSH
 * throughput when sealed inline, see docs/architecture.md "Recordings"). The chunk format is
 * decided in shared/src/recording/chunk.ts; the worker only runs node:crypto's AES-256-GCM over
 * the bytes it is handed (zero-copy: the plaintext's memory is transferred, not copied).
 */
import { Worker } from 'node:worker_threads';
import { prepareChunkSeal, sealChunk, type ChunkHeader } from '@postern/shared/recording/chunk';

/**
 * Seals one chunk; resolves with the sealed chunk as consecutive parts (header, ciphertext, tag:
 * written with one writev, never concatenated on the event loop). The plaintext must not be used after the call.
 */
export type ChunkSealer = (key: Buffer, sessionId: string, header: ChunkHeader, plaintext: Buffer) => Promise<Uint8Array[]>;

/** Sealing on the calling thread (tests, and the fallback when no worker can start). */
export const sealInline: ChunkSealer = async (key, sessionId, header, plaintext) => [sealChunk(key, sessionId, header, plaintext)];

/** Plaintext buffers the worker handed back, for the next chunks: fresh memory costs page faults on every first touch. */
const MAX_SPARE_BUFFERS = 8;

// Plain CommonJS evaluated in the worker: no TypeScript loader is needed there.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createCipheriv } = require('node:crypto');
parentPort.on('message', ({ id, key, iv, aad, plaintext }) => {
  try {
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
    cipher.setAAD(aad);
    const body = cipher.update(plaintext);
    cipher.final();
    const tag = cipher.getAuthTag();
    const transfer = [];
    if (body.byteOffset === 0 && body.byteLength === body.buffer.byteLength) transfer.push(body.buffer);
    // The plaintext goes back for reuse when it came as its own memory.
    if (plaintext.buffer.byteLength > 8192 && plaintext.buffer !== body.buffer) transfer.push(plaintext.buffer);
    parentPort.postMessage({ id, ciphertext: body, tag, plaintext: transfer.includes(plaintext.buffer) ? plaintext.buffer : null }, transfer);
  } catch (error) {
    parentPort.postMessage({ id, error: String(error) });
  }
});
`;

interface Pending {
  resolve: (sealed: Uint8Array[]) => void;
  reject: (error: Error) => void;
  head: Buffer;
}

export class SealThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private readonly spare: ArrayBuffer[] = [];

  constructor() {
    this.worker = new Worker(WORKER_SOURCE, { eval: true });
    this.worker.unref();
    this.worker.on('message', (message: { id: number; ciphertext?: Uint8Array; tag?: Uint8Array; plaintext?: ArrayBuffer | null; error?: string }) => {
      const job = this.pending.get(message.id);
      if (!job) return;
      this.pending.delete(message.id);
      if (message.plaintext && this.spare.length < MAX_SPARE_BUFFERS) this.spare.push(message.plaintext);
      if (message.error || !message.ciphertext || !message.tag) job.reject(new Error(`sealing a recording chunk failed: ${message.error ?? 'no output'}`));
      else job.resolve([job.head, message.ciphertext, message.tag]);
    });
    this.worker.on('error', (error) => this.failAll(error));
    this.worker.on('exit', (code) => this.failAll(new Error(`the sealing thread exited (${code})`)));
  }

  readonly seal: ChunkSealer = (key, sessionId, header, plaintext) => {
    const { head, iv, aad } = prepareChunkSeal(sessionId, header);
    const id = this.nextId;
    this.nextId += 1;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, head });
      // Node's small-buffer pool (exactly poolSize bytes) is shared by unrelated buffers: never moved away.
      const transferable = plaintext.buffer.byteLength > Buffer.poolSize;
      this.worker.postMessage({ id, key, iv, aad, plaintext }, transferable ? [plaintext.buffer as ArrayBuffer] : []);
    });
  };

  /** A chunk buffer of `size` bytes: a returned one when there is one, fresh memory otherwise. */
  readonly allocate = (size: number): Buffer => {
    const index = this.spare.findIndex((buffer) => buffer.byteLength === size);
    return index >= 0 ? Buffer.from(this.spare.splice(index, 1)[0]!) : Buffer.allocUnsafeSlow(size);
  };

  async close(): Promise<void> {
    await this.worker.terminate();
  }

  private failAll(error: Error): void {
    for (const job of this.pending.values()) job.reject(error);
    this.pending.clear();
  }
}
