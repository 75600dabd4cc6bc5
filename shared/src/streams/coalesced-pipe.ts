/**
 * Write coalescing for the byte pumps on the session path. One read from a TLS or SSH transport
 * delivers several chunks in the same turn (TLS records of 16 KiB, SSH packets of 32 KiB); piped
 * one by one, each becomes its own TLS record flush or SSH packet write and its own syscall.
 * Corking the destination until the turn's microtasks run sends them as one writev: no added
 * latency (nothing waits for a later turn), a fraction of the syscalls and flushes.
 */
import type { Readable, Writable } from 'node:stream';

/** Corks `stream` until the current turn's synchronous work is done; a no-op while already corked. */
export function corkForTurn(stream: Writable): void {
  if (stream.writableCorked || stream.destroyed) return;
  stream.cork();
  queueMicrotask(() => {
    if (stream.writableCorked) stream.uncork();
  });
}

/** `src.pipe(dst)` (backpressure, end propagation) with the writes of each turn coalesced. */
export function pipeCoalesced<T extends Writable>(src: Readable, dst: T): T {
  const cork = () => corkForTurn(dst);
  const onUnpipe = (from: Readable) => {
    if (from !== src) return;
    src.off('data', cork);
    dst.off('unpipe', onUnpipe);
  };
  // Registered before pipe's own listener, so the cork is in place before the first write.
  src.on('data', cork);
  dst.on('unpipe', onUnpipe);
  return src.pipe(dst);
}
