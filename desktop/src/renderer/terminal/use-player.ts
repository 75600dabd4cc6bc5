import type { Terminal } from '@xterm/xterm';
import { useCallback, useEffect, useRef, useState } from 'react';
import { planSeek, type Frame, type Timeline } from '../logic/playback-engine.ts';

/** How often the clock advances while playing; frames due in between are written together. */
const TICK_MS = 50;

export interface Player {
  position: number;
  playing: boolean;
  play(): void;
  pause(): void;
  seek(time: number): void;
  attach(terminal: Terminal): void;
}

function apply(terminal: Terminal, frames: Frame[]): void {
  for (const frame of frames) {
    if (frame.kind === 'output') terminal.write(frame.data);
    else terminal.resize(frame.cols, frame.rows);
  }
}

/**
 * Drives an xterm from a timeline: a clock that advances by the elapsed time times the speed,
 * and a seek that writes the frames in between (or resets and replays from the start when going
 * back). The frame logic is the engine's; this only owns the clock and the terminal.
 */
export function usePlayer(timeline: Timeline | undefined, speed: number, size: { cols: number; rows: number }): Player {
  const terminal = useRef<Terminal>(null);
  const shown = useRef(0);
  const positionRef = useRef(0);
  const [position, setPosition] = useState(0);
  const [playing, setPlaying] = useState(false);

  const seek = useCallback((time: number) => {
    const term = terminal.current;
    if (!term || !timeline) return;
    const clamped = Math.min(Math.max(0, time), timeline.duration);
    const plan = planSeek(timeline, shown.current, clamped);
    if (plan.reset) {
      term.reset();
      term.resize(size.cols, size.rows);
    }
    apply(term, plan.frames);
    shown.current = plan.shown;
    positionRef.current = clamped;
    setPosition(clamped);
  }, [timeline, size.cols, size.rows]);

  // A new timeline (skip idle toggled, another terminal) starts from a clean screen.
  useEffect(() => {
    shown.current = Number.POSITIVE_INFINITY;
    seek(0);
    setPlaying(false);
  }, [seek]);

  useEffect(() => {
    if (!playing || !timeline) return;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      const next = positionRef.current + ((now - last) / 1000) * speed;
      last = now;
      seek(next);
      if (next >= timeline.duration) setPlaying(false);
    }, TICK_MS);
    return () => clearInterval(timer);
  }, [playing, timeline, speed, seek]);

  return {
    position, playing,
    play: () => {
      if (timeline && positionRef.current >= timeline.duration) seek(0);
      setPlaying(true);
    },
    pause: () => setPlaying(false),
    seek,
    attach: (term) => {
      terminal.current = term;
      term.resize(size.cols, size.rows);
      shown.current = Number.POSITIVE_INFINITY;
      seek(positionRef.current);
    },
  };
}
