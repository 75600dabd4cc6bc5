import { once } from 'node:events';
import { PassThrough, Readable, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { corkForTurn, pipeCoalesced } from './coalesced-pipe.ts';

/** A sink that records how its writes arrive: one entry per _write/_writev call. */
function recordingSink(options: { highWaterMark?: number; slow?: boolean } = {}) {
  const calls: number[] = [];
  const received: Buffer[] = [];
  const sink = new Writable({
    highWaterMark: options.highWaterMark ?? 16 * 1024,
    write(chunk: Buffer, _enc, callback) {
      calls.push(1);
      received.push(chunk);
      if (options.slow) setTimeout(callback, 1); else callback();
    },
    writev(chunks, callback) {
      calls.push(chunks.length);
      for (const { chunk } of chunks) received.push(chunk as Buffer);
      if (options.slow) setTimeout(callback, 1); else callback();
    },
  });
  return { sink, calls, received: () => Buffer.concat(received) };
}

describe('corkForTurn', () => {
  it('sends the writes of one turn as one writev, then uncorks by itself', async () => {
    const { sink, calls } = recordingSink();
    corkForTurn(sink);
    corkForTurn(sink); // a second call in the same turn does not cork twice
    sink.write(Buffer.from('a'));
    sink.write(Buffer.from('b'));
    sink.write(Buffer.from('c'));
    expect(calls).toEqual([]);
    await Promise.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toEqual([3]);
    expect(sink.writableCorked).toBe(0);
    sink.write(Buffer.from('d'));
    expect(calls).toEqual([3, 1]);
  });

  it('leaves a destroyed stream alone', () => {
    const { sink } = recordingSink();
    sink.destroy();
    corkForTurn(sink);
    expect(sink.writableCorked).toBe(0);
  });
});

describe('pipeCoalesced', () => {
  it('chunks pushed in one turn arrive in one writev, every byte in order', async () => {
    const source = new PassThrough();
    const { sink, calls, received } = recordingSink();
    pipeCoalesced(source, sink);
    const chunks = Array.from({ length: 8 }, (_, i) => Buffer.alloc(1000, 65 + i));
    // Like a TLS read that yields several records at once.
    setImmediate(() => {
      for (const chunk of chunks) source.write(chunk);
      source.end();
    });
    await once(sink, 'finish');
    expect(received()).toEqual(Buffer.concat(chunks));
    expect(calls.length).toBeLessThan(chunks.length);
    expect(calls.reduce((a, b) => a + b, 0)).toBe(chunks.length);
  });

  it('keeps backpressure: a slow sink pauses the source and loses nothing', async () => {
    const total = 2 * 1024 * 1024;
    const source = Readable.from((function* () {
      for (let sent = 0; sent < total; sent += 64 * 1024) yield Buffer.alloc(64 * 1024, sent / 65536);
    })());
    const { sink, received } = recordingSink({ highWaterMark: 64 * 1024, slow: true });
    let maxBuffered = 0;
    const timer = setInterval(() => { maxBuffered = Math.max(maxBuffered, sink.writableLength); }, 1);
    pipeCoalesced(source, sink);
    await once(sink, 'finish');
    clearInterval(timer);
    expect(received().length).toBe(total);
    expect(maxBuffered).toBeLessThanOrEqual(256 * 1024);
  });

  it('after unpipe the source is no longer driven by the cork listener', () => {
    const source = new PassThrough();
    const { sink } = recordingSink();
    pipeCoalesced(source, sink);
    expect(source.listenerCount('data')).toBe(2);
    source.unpipe(sink);
    expect(source.listenerCount('data')).toBe(0);
  });
});
