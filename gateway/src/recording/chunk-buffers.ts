/**
 * Chunk buffers shared with the seal thread. A chunk buffer is a slot of a SharedArrayBuffer
 * that both threads see: the event loop fills a slot, posts its number, and gets it back once
 * the worker has sealed and spooled it — no memory moves and no new ArrayBuffer is made per
 * chunk. (Transferring a fresh 448 KiB buffer each way made V8 count that much new external
 * memory per chunk, and the collector ran for it: measured +0.5 ms of GC-thread CPU per MB.)
 *
 * Slots come in pools of SLOTS_PER_POOL; when every slot is out (the worker fell behind, or many
 * sessions each hold an open chunk) another pool is made, up to MAX_POOLS, and kept. Only past
 * that is a buffer of its own used and moved instead (kept for reuse when it comes back). Why
 * grow rather than fall back early: on the loaded bench machine the worker lagged more than 16
 * chunks behind for 3–25 % of a bulk session's chunks, each of which then moved 448 KiB each way
 * (the cost above); with up to 64 slots, 0–1.5 %. Slots are reused last-freed first, so only as
 * many pages as were ever in flight at once become resident.
 */

const SLOTS_PER_POOL = 16;
/** 64 slots of 448 KiB: 28 MiB at most, for every session together. */
const MAX_POOLS = 4;
/** Every shared slot there can be: more chunks than this in flight means new memory for each. */
export const MAX_SHARED_SLOTS = SLOTS_PER_POOL * MAX_POOLS;
/** Returned own buffers kept for reuse, for every session together. */
const MAX_SPARE_BYTES = 16 * 1024 * 1024;

/** Where a slot's bytes are: which shared pool, and where in it. */
export interface SlotPlace {
  slot: number;
  pool: number;
  offset: number;
}

export class ChunkBufferPool {
  private readonly pools: SharedArrayBuffer[] = [];
  private readonly free: number[] = [];
  private readonly spare: ArrayBuffer[] = [];
  private spareBytes = 0;

  /** `poolAdded` is told of each new pool before any slot of it is handed out (the seal thread posts it to the worker). */
  constructor(readonly slotBytes: number, private readonly poolAdded: (pool: number, shared: SharedArrayBuffer) => void = () => undefined, private readonly maxPools = MAX_POOLS) {
    this.addPool();
  }

  /** A buffer of `size` bytes: a free slot when it fits (a new pool if all are out), else a returned own buffer, else fresh memory. */
  allocate(size: number): Buffer {
    if (size <= this.slotBytes && this.free.length === 0 && this.pools.length < this.maxPools) this.addPool();
    const slot = size <= this.slotBytes ? this.free.pop() : undefined;
    if (slot !== undefined) {
      const pool = Math.floor(slot / SLOTS_PER_POOL);
      return Buffer.from(this.pools[pool]!, (slot % SLOTS_PER_POOL) * this.slotBytes, size);
    }
    const index = this.spare.findIndex((buffer) => buffer.byteLength === size);
    if (index < 0) return Buffer.allocUnsafeSlow(size);
    this.spareBytes -= size;
    return Buffer.from(this.spare.splice(index, 1)[0]!);
  }

  /** The slot a buffer (or a view into it) lives in, if it is one of ours. */
  placeOf(buffer: Uint8Array): SlotPlace | undefined {
    const pool = this.pools.indexOf(buffer.buffer as SharedArrayBuffer);
    if (pool < 0) return undefined;
    return { slot: pool * SLOTS_PER_POOL + Math.floor(buffer.byteOffset / this.slotBytes), pool, offset: buffer.byteOffset };
  }

  /** A buffer is not needed any more: its slot is free again, or it is kept as a spare. */
  release(buffer: Uint8Array): void {
    const place = this.placeOf(buffer);
    if (place) this.freeSlot(place.slot);
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

  get poolCount(): number {
    return this.pools.length;
  }

  private addPool(): void {
    const pool = this.pools.length;
    const shared = new SharedArrayBuffer(this.slotBytes * SLOTS_PER_POOL);
    this.pools.push(shared);
    this.poolAdded(pool, shared);
    // Lowest slot on top: it is handed out first.
    for (let slot = SLOTS_PER_POOL - 1; slot >= 0; slot -= 1) this.free.push(pool * SLOTS_PER_POOL + slot);
  }
}
