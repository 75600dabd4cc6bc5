import { useMemo, useState } from 'react';
import { parseAsciicast } from '@postern/shared/recording/asciicast';
import {
  buildTextIndex, buildTimeline, clockOptionsFor, formatClock, PLAYBACK_SPEEDS, searchRecording, type PlaybackSpeed,
} from '../logic/playback-engine.ts';
import { XtermView } from './XtermView.tsx';
import { usePlayer } from './use-player.ts';

/** Longest pause shown with "Skip idle time" on, in seconds (asciinema's idle_time_limit). */
const IDLE_CAP_SECONDS = 1;

/** An SSH recording in the same xterm view as live tabs, fed recorded frames by the player. */
export function SshPlayer({ asciicast, theme }: { asciicast: string; theme: 'light' | 'dark' }) {
  const cast = useMemo(() => parseAsciicast(asciicast), [asciicast]);
  const [skipIdle, setSkipIdle] = useState(true);
  const [speed, setSpeed] = useState<PlaybackSpeed>(1);
  const [query, setQuery] = useState('');
  const timeline = useMemo(() => buildTimeline(cast.events, skipIdle ? IDLE_CAP_SECONDS : 0), [cast, skipIdle]);
  const index = useMemo(() => buildTextIndex(timeline), [timeline]);
  const hits = useMemo(() => searchRecording(index, query), [index, query]);
  const size = useMemo(() => ({ cols: cast.header.width, rows: cast.header.height }), [cast]);
  const player = usePlayer(timeline, speed, size);
  const clock = (seconds: number) => formatClock(seconds, clockOptionsFor(timeline.duration));

  return (
    <div className="player">
      <div className="player-screen">
        <XtermView theme={theme} fit={false} readOnly label="Recording" onReady={player.attach} />
      </div>
      <div className="player-controls">
        <button type="button" className="button button-primary player-play" onClick={player.playing ? player.pause : player.play}>
          {player.playing ? 'Pause' : 'Play'}
        </button>
        <span className="mono player-clock" data-testid="player-clock">{clock(player.position)} / {clock(timeline.duration)}</span>
        <input className="seek" type="range" min={0} max={Math.max(timeline.duration, 0.001)} step={0.01} value={player.position}
          aria-label="Seek" onChange={(event) => player.seek(Number(event.target.value))} />
        <div className="segmented" role="group" aria-label="Speed">
          {PLAYBACK_SPEEDS.map((value) => (
            <button key={value} type="button" className={speed === value ? 'active' : ''} aria-pressed={speed === value} onClick={() => setSpeed(value)}>{value}×</button>
          ))}
        </div>
        <label className="checkbox small"><input type="checkbox" checked={skipIdle} onChange={(event) => setSkipIdle(event.target.checked)} />Skip idle time</label>
      </div>
      <div className="player-search">
        <input type="search" placeholder="Search what was on screen" aria-label="Search the recording" value={query} onChange={(event) => setQuery(event.target.value)} />
        {query.trim() ? <span className="muted small">{hits.length === 0 ? 'Not found' : `${hits.length} match${hits.length === 1 ? '' : 'es'}`}</span> : null}
        {hits.length > 0 ? (
          <ol className="hits" aria-label="Search results">
            {hits.map((hit, number) => (
              <li key={`${hit.at}-${number}`}>
                <button type="button" className="hit" onClick={() => { player.pause(); player.seek(hit.at); }}>
                  <span className="mono hit-time">{clock(hit.at)}</span><span className="mono hit-context">{hit.context}</span>
                </button>
              </li>
            ))}
          </ol>
        ) : null}
      </div>
    </div>
  );
}
