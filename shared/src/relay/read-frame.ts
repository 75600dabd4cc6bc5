/**
 * Reads one first frame from any readable stream (a TLS socket, an SSH channel, an in-memory
 * pair) and puts the bytes that came after it back (`unshift`), so a pipelined inner
 * ClientHello or early protocol data is kept. Reads with 'readable' + read() rather than 'data'
 * so that afterwards the stream is back in its initial mode: the next `on('data')` or `pipe()`
 * starts it as usual. Opens nothing itself: the caller owns the stream.
 */
import type { Readable } from 'node:stream';
import { RelayFrameError } from '../errors.ts';
import type { DecodeResult } from './frame.ts';

export class FrameTimeoutError extends RelayFrameError {
  constructor(timeoutMs: number) {
    super('bad_frame', `no complete frame arrived within ${timeoutMs} ms`);
  }
}

export class FrameStreamEndedError extends RelayFrameError {
  constructor(received: number) {
    super('bad_frame', `the stream ended after ${received} bytes, before a complete frame`);
  }
}

/**
 * Resolves with the first frame, or rejects with a RelayFrameError (garbage, too large, stream
 * ended early, timed out) or the stream's own error. Keep an 'error' listener of your own on the
 * stream: this one is removed when the frame is read.
 */
export function readFirstFrame<T>(stream: Readable, decode: (bytes: Uint8Array) => DecodeResult<T>, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    let buffered: Buffer = Buffer.alloc(0);
    let settled = false;
    const timer = setTimeout(() => finish(new FrameTimeoutError(timeoutMs)), timeoutMs);
    const onReadable = () => {
      let chunk: Buffer | null;
      while (!settled && (chunk = stream.read() as Buffer | null) !== null) {
        buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
        try {
          const result = decode(buffered);
          if (result.done) {
            const rest = buffered.subarray(result.consumed);
            finish(undefined, result.value);
            if (rest.length) stream.unshift(rest);
          }
        } catch (error) {
          finish(error as Error);
        }
      }
    };
    const onEnd = () => finish(new FrameStreamEndedError(buffered.length));
    const onError = (error: Error) => finish(error);
    function finish(error: Error | undefined, value?: T): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stream.off('readable', onReadable).off('end', onEnd).off('close', onEnd).off('error', onError);
      if (error) reject(error);
      else resolve(value as T);
    }
    stream.on('readable', onReadable).on('end', onEnd).on('close', onEnd).on('error', onError);
  });
}
