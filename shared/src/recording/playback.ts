/**
 * When each output event of a recording is shown on replay: recorded timing divided by the
 * speed, with every pause capped (asciinema's idle_time_limit) so a reviewer does not sit
 * through a user's coffee break. Used by the CLI's `play` and the desktop's playback view.
 */
import type { AsciicastEvent } from './asciicast.ts';

export interface PlaybackOptions {
  /** 2 plays twice as fast. */
  speed?: number;
  /** Longest pause shown, in seconds, before the speed is applied. */
  idleCapSeconds?: number;
}

export interface PlaybackStep {
  /** Milliseconds to wait after the previous step. */
  delayMs: number;
  data: string;
}

export const DEFAULT_IDLE_CAP_SECONDS = 2;

/** The output steps of a recording (input is what the user typed; its echo is already in the output). */
export function playbackSteps(events: readonly AsciicastEvent[], options: PlaybackOptions = {}): PlaybackStep[] {
  const speed = options.speed && options.speed > 0 ? options.speed : 1;
  const cap = options.idleCapSeconds ?? DEFAULT_IDLE_CAP_SECONDS;
  const steps: PlaybackStep[] = [];
  let previous = 0;
  for (const [time, code, data] of events) {
    if (code !== 'o') continue;
    const pause = Math.min(Math.max(0, time - previous), cap > 0 ? cap : Number.POSITIVE_INFINITY);
    previous = time;
    steps.push({ delayMs: (pause * 1000) / speed, data });
  }
  return steps;
}
