import { describe, expect, it } from 'vitest';
import { ChunkBufferPool } from './chunk-buffers.ts';

describe('chunk buffer pools', () => {
  it('hands out shared slots, adds a pool when all are out (announced first), and past the bound uses own memory', () => {
    const announced: Array<{ pool: number; shared: SharedArrayBuffer }> = [];
    const buffers = new ChunkBufferPool(1_024, (pool, shared) => announced.push({ pool, shared }), 2);
    expect(announced.map((entry) => entry.pool)).toEqual([0]);
    const slots: Buffer[] = [];
    for (let buffer = buffers.allocate(1_000); buffer.buffer instanceof SharedArrayBuffer; buffer = buffers.allocate(1_000)) slots.push(buffer);
    expect(slots).toHaveLength(32); // two pools of 16
    expect(announced.map((entry) => entry.pool)).toEqual([0, 1]);
    expect(new Set(slots.map((buffer) => buffer.buffer))).toEqual(new Set(announced.map((entry) => entry.shared)));
    expect(buffers.poolCount).toBe(2);
    const places = slots.map((buffer) => buffers.placeOf(buffer)!);
    expect(new Set(places.map((place) => place.slot)).size).toBe(32);
    expect(places[17]).toMatchObject({ pool: 1, offset: slots[17]!.byteOffset });
    expect(buffers.placeOf(Buffer.alloc(10))).toBeUndefined();
  });

  it('a released slot is the next one handed out; own buffers come back as spares, a larger size never takes a slot', () => {
    const buffers = new ChunkBufferPool(1_024, undefined, 1);
    const first = buffers.allocate(512);
    const second = buffers.allocate(512);
    buffers.release(first);
    const again = buffers.allocate(100);
    expect(again.buffer).toBe(first.buffer);
    expect(again.byteOffset).toBe(first.byteOffset);
    expect(second.byteOffset).not.toBe(first.byteOffset);
    const large = buffers.allocate(16_384); // larger than a slot: memory of its own
    expect(large.buffer).not.toBeInstanceOf(SharedArrayBuffer);
    const backing = large.buffer;
    buffers.release(large);
    expect(buffers.allocate(16_384).buffer).toBe(backing);
  });
});
