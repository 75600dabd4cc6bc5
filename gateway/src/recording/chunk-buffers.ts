/**
 * Chunk buffers shared with the seal thread. A chunk buffer is a slot of one SharedArrayBuffer
 * that both threads see: the event loop fills a slot, posts its number, and gets it back once
 * the worker has sealed and spooled it — no memory moves and no new ArrayBuffer is made per
 * chunk. (Transferring a fresh 448 KiB buffer each way made V8 count that much new external
 * memory per chunk, and the collector ran for it: measured +0.5 ms of GC-thread CPU per MB.)
 * When every slot is out (the worker fell behind), a buffer of its own is used and moved
 * instead, and kept for reuse when it comes back (fresh memory costs page faults on first touch).
 */

/** Enough slots for a few sessions' open chunks plus the chunks in flight to the worker. */
const SLOT_COUNT = 16;
/** Returned own buffers kept for reuse, for every session together. */
const MAX_SPARE_BYTES = 16 * 1024 * 1024;

export class ChunkBufferPool {
  readonly shared: SharedArrayBuffer;
  private readonly free: number[];
  private readonly spare: ArrayBuffer[] = [];
  private spareBytes = 0;

  constructor(readonly slotBytes: number, slotCount = SLOT_COUNT) {
    this.shared = new SharedArrayBuffer(slotBytes * slotCount);
    this.free = Array.from({ length: slotCount }, (_, slot) => slotCount - 1 - slot);
  }

  /** A buffer of `size` bytes: a free slot when it fits, else a returned own buffer, else fresh memory. */
  allocate(size: number): Buffer {
    const slot = size <= this.slotBytes ? this.free.pop() : undefined;
    if (slot !== undefined) return Buffer.from(this.shared, slot * this.slotBytes, size);
    const index = this.spare.findIndex((buffer) => buffer.byteLength === size);
    if (index < 0) return Buffer.allocUnsafeSlow(size);
    this.spareBytes -= size;
    return Buffer.from(this.spare.splice(index, 1)[0]!);
  }

  /** The slot a buffer (or a view into it) lives in, if it is one of ours. */
  slotOf(buffer: Uint8Array): number | undefined {
    return buffer.buffer === this.shared ? Math.floor(buffer.byteOffset / this.slotBytes) : undefined;
  }

  /** A buffer is not needed any more: its slot is free again, or it is kept as a spare. */
  release(buffer: Uint8Array): void {
    const slot = this.slotOf(buffer);
    if (slot !== undefined) this.freeSlot(slot);
    else if (buffer.byteOffset === 0 && buffer.buffer.byteLength > Buffer.poolSize) this.keep(buffer.buffer as ArrayBuffer);
  }

  freeSlot(slot: number): void {
    if (!this.free.includes(slot)) this.free.push(slot);
  }

  /** An own buffer the worker handed back. */
  keep(buffer: ArrayBuffer): void {
    if (this.spareBytes + buffer.byteLength > MAX_SPARE_BYTES) return;
    this.spare.push(buffer);
    this.spareBytes += buffer.byteLength;
  }

  get freeSlots(): number {
    return this.free.length;
  }
}
