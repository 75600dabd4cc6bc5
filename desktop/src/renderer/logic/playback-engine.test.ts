import { describe, expect, it } from 'vitest';
import type { AsciicastEvent } from '@postern/shared/recording/asciicast';
import {
  buildTextIndex, buildTimeline, delayToNextFrame, formatClock, framesShownAt, planSeek, searchRecording, stripTerminalControls,
} from './playback-engine.ts';

const events: AsciicastEvent[] = [
  [0.5, 'o', '$ '],
  [1.0, 'i', 'e'],
  [1.0, 'o', 'echo hi\r\n'],
  [1.2, 'o', 'hi\r\n$ '],
  [1.3, 'r', '120x40'],
  [61.3, 'o', '\u001b[1;32mls\u001b[0m\r\n'],
  [61.5, 'o', 'secret-fi'],
  [61.6, 'o', 'le.txt\r\n'],
];

describe('buildTimeline', () => {
  it('keeps output and resizes on the recorded clock, drops input', () => {
    const timeline = buildTimeline(events);
    expect(timeline.frames.map((f) => f.kind)).toEqual(['output', 'output', 'output', 'resize', 'output', 'output', 'output']);
    expect(timeline.frames[3]).toEqual({ at: 1.3, kind: 'resize', cols: 120, rows: 40 });
    expect(timeline.duration).toBeCloseTo(61.6);
  });

  it('caps idle pauses when asked', () => {
    const timeline = buildTimeline(events, 2);
    expect(timeline.frames[4]!.at).toBeCloseTo(3.3);
    expect(timeline.duration).toBeCloseTo(3.6);
  });

  it('skips a malformed resize instead of throwing', () => {
    expect(buildTimeline([[0, 'r', 'x'], [1, 'o', 'a']]).frames).toEqual([{ at: 1, kind: 'output', data: 'a' }]);
  });
});

describe('seeking', () => {
  const timeline = buildTimeline(events, 2);

  it('counts frames shown at a time, frames at exactly that time included', () => {
    expect(framesShownAt(timeline, 0)).toBe(0);
    expect(framesShownAt(timeline, 1.0)).toBe(2);
    expect(framesShownAt(timeline, 100)).toBe(timeline.frames.length);
  });

  it('forward: only the frames in between; backward: reset and replay from the start', () => {
    const forward = planSeek(timeline, 2, 3.3);
    expect(forward).toMatchObject({ reset: false, shown: 5 });
    expect(forward.frames.map((f) => f.at)).toEqual([1.2, 1.3, 3.3]);
    const back = planSeek(timeline, 5, 1.1);
    expect(back).toMatchObject({ reset: true, shown: 2 });
    expect(back.frames).toHaveLength(2);
    expect(planSeek(timeline, 3, -5)).toEqual({ reset: true, frames: [], shown: 0 });
  });

  it('the wait to the next frame shrinks with speed and ends at the last frame', () => {
    expect(delayToNextFrame(timeline, 4, 1.3, 1)).toBeCloseTo(2000);
    expect(delayToNextFrame(timeline, 4, 1.3, 16)).toBeCloseTo(125);
    expect(delayToNextFrame(timeline, timeline.frames.length, 99, 1)).toBeUndefined();
  });
});

describe('search', () => {
  const timeline = buildTimeline(events, 2);
  const index = buildTextIndex(timeline);

  it('strips colours, cursor moves and titles but keeps newlines', () => {
    expect(stripTerminalControls('\u001b]0;title\u0007\u001b[2J\u001b[1;31mred\u001b[0m\r\nnext\u0008')).toBe('red\nnext');
    expect(index.text).toContain('ls\nsecret-file.txt');
  });

  it('starts a new line at a carriage return that redraws the line', () => {
    expect(stripTerminalControls('$ p\r$ printf x\r\nx')).toBe('$ p\n$ printf x\nx');
  });

  it('finds text split over frames at the time its last part appeared, case-insensitively', () => {
    const [hit] = searchRecording(index, 'SECRET-FILE');
    expect(hit).toEqual({ at: timeline.frames[6]!.at, context: 'secret-file.txt' });
  });

  it('finds every occurrence in order, and nothing for blank or absent text', () => {
    expect(searchRecording(index, 'hi').map((h) => h.at)).toEqual([1.0, 1.2]);
    expect(searchRecording(index, '  ')).toEqual([]);
    expect(searchRecording(index, 'nowhere')).toEqual([]);
  });
});

it('formats clock times', () => {
  expect(formatClock(0)).toBe('0:00');
  expect(formatClock(75.4)).toBe('1:15');
  expect(formatClock(3723)).toBe('1:02:03');
  expect(formatClock(-3)).toBe('0:00');
  expect(formatClock(75.46, { tenths: true })).toBe('1:15.4');
  expect(formatClock(0.05, { tenths: true })).toBe('0:00.0');
});
