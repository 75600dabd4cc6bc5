/**
 * The playback engine behind the reviewer's player, in pure code so it is tested without a
 * browser: a timeline of a recording's output with idle pauses compressed, seeking (a terminal
 * cannot rewind, so seeking replays every frame up to the point into a reset terminal), and a text
 * index over the output so a search lands on the moment the text appeared.
 */
import type { AsciicastEvent } from '@postern/shared/recording/asciicast';

export const PLAYBACK_SPEEDS = [1, 2, 4, 8, 16] as const;
export type PlaybackSpeed = (typeof PLAYBACK_SPEEDS)[number];

/** One thing to show: output text or a resize, at its time on the (idle-compressed) timeline. */
export type Frame =
  | { at: number; kind: 'output'; data: string }
  | { at: number; kind: 'resize'; cols: number; rows: number };

export interface Timeline {
  frames: Frame[];
  /** Seconds, after idle compression. */
  duration: number;
}

/**
 * Output and resize events on one clock. Input is left out: its echo is already in the output.
 * With `idleCapSeconds`, no pause between two frames lasts longer than that (0 or less: no cap).
 */
export function buildTimeline(events: readonly AsciicastEvent[], idleCapSeconds = 0): Timeline {
  const frames: Frame[] = [];
  let previousRaw = 0;
  let clock = 0;
  for (const [time, code, data] of events) {
    if (code !== 'o' && code !== 'r') continue;
    const pause = Math.max(0, time - previousRaw);
    previousRaw = time;
    clock += idleCapSeconds > 0 ? Math.min(pause, idleCapSeconds) : pause;
    if (code === 'o') {
      frames.push({ at: clock, kind: 'output', data });
    } else {
      const [cols, rows] = data.split('x').map(Number);
      if (cols && rows) frames.push({ at: clock, kind: 'resize', cols, rows });
    }
  }
  return { frames, duration: frames.at(-1)?.at ?? 0 };
}

/** How many frames have been shown at `time`: frames at exactly `time` count as shown. */
export function framesShownAt(timeline: Timeline, time: number): number {
  let low = 0;
  let high = timeline.frames.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (timeline.frames[middle]!.at <= time) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** What the terminal needs to go from `shown` frames to the state at `time`. */
export interface SeekPlan {
  /** The terminal must be reset first (going backwards). */
  reset: boolean;
  frames: Frame[];
  shown: number;
}

export function planSeek(timeline: Timeline, shown: number, time: number): SeekPlan {
  const target = framesShownAt(timeline, Math.max(0, time));
  if (target >= shown) return { reset: false, frames: timeline.frames.slice(shown, target), shown: target };
  return { reset: true, frames: timeline.frames.slice(0, target), shown: target };
}

/** Milliseconds of wall time until the next frame is due, at a speed; undefined at the end. */
export function delayToNextFrame(timeline: Timeline, shown: number, position: number, speed: number): number | undefined {
  const next = timeline.frames[shown];
  if (!next) return undefined;
  return (Math.max(0, next.at - position) * 1000) / speed;
}

// CSI, OSC (ended by BEL or ST), other two-byte escapes; then the remaining C0 controls but newline.
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]|[\u0000-\u0009\u000b-\u001f\u007f]/g;

/**
 * The visible text of terminal output. A carriage return not followed by a newline redraws the
 * line (a shell prompt after a keystroke): it starts a new line here, so two drawings of one
 * line do not run together in the search results.
 */
export function stripTerminalControls(data: string): string {
  return data.replace(/\r(?!\n)/g, '\n').replace(ANSI, '');
}

/** The output's visible text with, for each frame, where its text starts. */
export interface TextIndex {
  text: string;
  starts: number[];
  times: number[];
}

export function buildTextIndex(timeline: Timeline): TextIndex {
  let text = '';
  const starts: number[] = [];
  const times: number[] = [];
  for (const frame of timeline.frames) {
    if (frame.kind !== 'output') continue;
    starts.push(text.length);
    times.push(frame.at);
    text += stripTerminalControls(frame.data);
  }
  return { text, starts, times };
}

export interface SearchHit {
  /** When the last character of the match was on screen. */
  at: number;
  /** The line around the match, for the results list. */
  context: string;
}

const MAX_HITS = 200;

/** Case-insensitive; a match split over several output frames is found and timed by its last frame. */
export function searchRecording(index: TextIndex, query: string): SearchHit[] {
  const needle = query.trim().toLowerCase();
  if (!needle) return [];
  const haystack = index.text.toLowerCase();
  const hits: SearchHit[] = [];
  for (let from = haystack.indexOf(needle); from !== -1 && hits.length < MAX_HITS; from = haystack.indexOf(needle, from + needle.length)) {
    const end = from + needle.length - 1;
    hits.push({ at: index.times[frameContaining(index.starts, end)] ?? 0, context: lineAround(index.text, from, needle.length) });
  }
  return hits;
}

function frameContaining(starts: number[], offset: number): number {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >>> 1;
    if (starts[middle]! <= offset) low = middle;
    else high = middle - 1;
  }
  return low;
}

function lineAround(text: string, from: number, length: number): string {
  const start = text.lastIndexOf('\n', from) + 1;
  const newline = text.indexOf('\n', from + length);
  const line = text.slice(start, newline === -1 ? undefined : newline).trim();
  return line.length > 120 ? `${line.slice(0, 117)}…` : line;
}

/** 75.4 → "1:15"; an hour or more → "1:02:03"; with tenths (short recordings) 75.4 → "1:15.4". */
export function formatClock(seconds: number, options: { tenths?: boolean } = {}): string {
  const tenthsTotal = Math.max(0, Math.floor(seconds * 10));
  const whole = Math.floor(tenthsTotal / 10);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = `${String(whole % 60).padStart(2, '0')}${options.tenths ? `.${tenthsTotal % 10}` : ''}`;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** Tenths of a second matter in a recording under a minute long. */
export const clockOptionsFor = (duration: number) => ({ tenths: duration < 60 });
