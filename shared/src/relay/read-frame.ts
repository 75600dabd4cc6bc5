/**
 * Reads one first frame from any readable stream (a TLS socket, an SSH channel, an in-memory
 * pair) and hands back the bytes that came after it, so a pipelined inner ClientHello is kept.
 * Opens nothing itself: the caller owns the stream and decides what to do on failure.
 */
import type { Readable } from 'node:stream';
import { RelayFrameError } from '../errors.ts';
import type { DecodeResult } from './frame.ts';

export interface FrameRead<T> {
  value: T;
  /** Bytes received after the frame; the caller must deliver them before the stream's next data. */
  rest: Buffer;
}

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
 * ended early, timed out) or the stream's own error. Leaves the stream paused.
 */
export function readFirstFrame<T>(stream: Readable, decode: (bytes: Uint8Array) => DecodeResult<T>, timeoutMs: number): Promise<FrameRead<T>> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const timer = setTimeout(() => finish(new FrameTimeoutError(timeoutMs)), timeoutMs);
    const onData = (chunk: Buffer) => {
      buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
      try {
        const result = decode(buffered);
        if (result.done) finish(undefined, { value: result.value, rest: buffered.subarray(result.consumed) });
      } catch (error) {
        finish(error as Error);
      }
    };
    const onEnd = () => finish(new FrameStreamEndedError(buffered.length));
    const onError = (error: Error) => finish(error);
    function finish(error: Error | undefined, read?: FrameRead<T>): void {
      clearTimeout(timer);
      stream.pause();
      stream.off('data', onData).off('end', onEnd).off('close', onEnd).off('error', onError);
      if (error) reject(error);
      else resolve(read!);
    }
    stream.on('data', onData).on('end', onEnd).on('close', onEnd).on('error', onError);
    stream.resume();
  });
}
