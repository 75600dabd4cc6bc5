import { describe, expect, it } from 'vitest';
import type { Asciicast } from '@postern/shared/recording/asciicast';
import { parseTimeOption } from '../../cli/commands/sessions.ts';
import { playAsciicast } from './player.ts';

const cast: Asciicast = {
  header: { version: 2, width: 80, height: 24 },
  events: [[0.5, 'o', 'a'], [0.6, 'i', 'typed'], [1.5, 'o', 'b'], [61.5, 'o', 'c'], [61.5004, 'o', 'd']],
};

describe('terminal playback', () => {
  it('writes output only, waiting the recorded pauses divided by the speed, idle time capped', async () => {
    const waits: number[] = [];
    let written = '';
    const shown = await playAsciicast(cast, { write: (d) => { written += d; } }, { speed: 2, idleCapSeconds: 3, sleep: async (ms) => { waits.push(ms); } });
    expect(written).toBe('abcd');
    expect(shown).toBe(4);
    expect(waits).toEqual([250, 500, 1500]);
  });

  it('really waits (a 0.3 s recording takes about 0.3 s at speed 1, 0.1 s at speed 3)', async () => {
    const short: Asciicast = { header: { version: 2, width: 80, height: 24 }, events: [[0.1, 'o', 'x'], [0.3, 'o', 'y']] };
    const sink = { write: () => undefined };
    let started = Date.now();
    await playAsciicast(short, sink);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    started = Date.now();
    await playAsciicast(short, sink, { speed: 3 });
    expect(Date.now() - started).toBeLessThan(250);
  });

  it('stops when aborted', async () => {
    const stop = new AbortController();
    let written = '';
    const playing = playAsciicast(cast, { write: (d) => { written += d; } }, { idleCapSeconds: 0, signal: stop.signal });
    setTimeout(() => stop.abort(), 700);
    // 'a' plays at 0.5 s; 'b' was due at 1.5 s.
    expect(await playing).toBe(1);
    expect(written).toBe('a');
  });
});

describe('--since / --until', () => {
  const now = Date.parse('2026-03-01T12:00:00Z');
  it('reads ages and ISO times, refuses anything else', () => {
    expect(parseTimeOption('2h', '--since', now)).toBe('2026-03-01T10:00:00.000Z');
    expect(parseTimeOption('7d', '--since', now)).toBe('2026-02-22T12:00:00.000Z');
    expect(parseTimeOption('2026-01-31T09:00:00Z', '--until', now)).toBe('2026-01-31T09:00:00.000Z');
    expect(() => parseTimeOption('yesterday', '--since', now)).toThrow(/--since must be a time/);
  });
});
