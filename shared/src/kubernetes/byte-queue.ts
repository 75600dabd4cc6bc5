/**
 * Bytes received in chunks, read from the front. Frame readers wait here until a whole frame
 * has arrived; the chunks are joined once per frame, not once per arriving chunk, so a large
 * frame that comes in many pieces is copied once instead of over and over.
 */
export class ByteQueue {
  private chunks: Buffer[] = [];
  private offset = 0;
  length = 0;

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** The first `count` bytes (fewer if fewer are queued), without taking them. */
  peek(count: number): Buffer {
    const wanted = Math.min(count, this.length);
    const first = this.chunks[0];
    if (first && first.length - this.offset >= wanted) return first.subarray(this.offset, this.offset + wanted);
    const out = Buffer.allocUnsafe(wanted);
    let written = 0;
    for (let i = 0; written < wanted; i += 1) {
      const chunk = this.chunks[i]!;
      const start = i === 0 ? this.offset : 0;
      written += chunk.copy(out, written, start, start + Math.min(chunk.length - start, wanted - written));
    }
    return out;
  }

  /** Takes the first `count` bytes; the caller checked that `length` holds them. */
  take(count: number): Buffer {
    const out = this.peek(count);
    this.skip(count);
    return out;
  }

  private skip(count: number): void {
    this.length -= count;
    while (count > 0) {
      const chunk = this.chunks[0]!;
      const available = chunk.length - this.offset;
      if (count < available) {
        this.offset += count;
        return;
      }
      count -= available;
      this.chunks.shift();
      this.offset = 0;
    }
  }
}
