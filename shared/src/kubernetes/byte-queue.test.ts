import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ByteQueue } from './byte-queue.ts';

describe('ByteQueue', () => {
  it('peeks and takes across chunk boundaries, in order', () => {
    const queue = new ByteQueue();
    for (const part of ['ab', '', 'cdef', 'g']) queue.push(Buffer.from(part));
    expect(queue.length).toBe(7);
    expect(queue.peek(3).toString()).toBe('abc');
    expect(queue.peek(100).toString()).toBe('abcdefg');
    expect(queue.take(1).toString()).toBe('a');
    expect(queue.take(4).toString()).toBe('bcde');
    expect(queue.length).toBe(2);
    expect(queue.take(2).toString()).toBe('fg');
    expect(queue.length).toBe(0);
    expect(queue.peek(5).length).toBe(0);
  });

  it('gives back exactly the bytes pushed, whatever the chunk and read sizes', () => {
    const data = randomBytes(10_000);
    const queue = new ByteQueue();
    const out: Buffer[] = [];
    let at = 0;
    for (let i = 1; at < data.length; i += 1) {
      queue.push(data.subarray(at, at + (i * 37) % 500));
      at += (i * 37) % 500;
      const want = (i * 53) % 700;
      if (queue.length >= want) out.push(queue.take(want));
    }
    out.push(queue.take(queue.length));
    expect(Buffer.concat(out).equals(data)).toBe(true);
  });
});
