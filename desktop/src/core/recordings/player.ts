/**
 * Replays a terminal recording into a stream with its recorded timing (divided by the speed,
 * pauses capped). The CLI's `play` writes to the user's terminal; the desktop feeds xterm the same way.
 */
import type { Asciicast } from '@postern/shared/recording/asciicast';
import { playbackSteps, type PlaybackOptions } from '@postern/shared/recording/playback';

export interface PlayTarget {
  write(data: string): unknown;
}

export interface PlayOptions extends PlaybackOptions {
  signal?: AbortSignal;
  /** Injected in tests; real timers otherwise. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted || ms <= 0) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Plays the recording; resolves with the number of output events shown (fewer when aborted). */
export async function playAsciicast(cast: Asciicast, target: PlayTarget, options: PlayOptions = {}): Promise<number> {
  const wait = options.sleep ?? sleep;
  let shown = 0;
  for (const step of playbackSteps(cast.events, options)) {
    // Short pauses are merged into the next write: timers cannot keep sub-millisecond timing anyway.
    if (step.delayMs >= 1) await wait(step.delayMs, options.signal);
    if (options.signal?.aborted) break;
    target.write(step.data);
    shown += 1;
  }
  return shown;
}
