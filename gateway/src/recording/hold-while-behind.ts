/**
 * Recording backpressure for a byte pump (docs/architecture.md, Recordings, "Backpressure"): when
 * the recorder says it is behind, the recorded sources are unpiped and paused — pipe would resume
 * a paused source as soon as its destination drains — so the peer's flow control (the SSH
 * window, TCP) makes the target wait. Once the recorder has caught up the pipes are connected
 * again. The chunk that found the recorder behind is still delivered: the check runs after the
 * source's other 'data' listeners, and an emit goes to the listeners it started with.
 */
import type { Readable, Writable } from 'node:stream';
import type { RecorderFlow } from '@postern/shared/recording/recorder';

export interface HeldPipe {
  source: Readable;
  destination: Writable;
  /** Pipes source to destination again (the caller's own way: options, write coalescing). */
  connect(): void;
}

export interface OutputHold {
  /** Resolves once nothing is held (at once if nothing is), after the re-piped sources had a turn to hand over what they buffered. */
  released(): Promise<void>;
}

/** Call after the pipes and the recorder's own 'data' listeners are in place. */
export function holdWhileBehind(pipes: HeldPipe[], flow: RecorderFlow, stillOpen: () => boolean): OutputHold {
  let release: Promise<void> | undefined;
  const check = () => {
    if (release || !flow.behind()) return;
    for (const { source, destination } of pipes) {
      source.unpipe(destination);
      source.pause();
    }
    release = new Promise((resolve) => flow.onceCaughtUp(() => {
      release = undefined;
      if (stillOpen()) for (const pipe of pipes) pipe.connect();
      setImmediate(resolve);
    }));
  };
  for (const { source } of pipes) source.on('data', check);
  // Held again while catching up (the buffered output refilled the recorder): wait for that too.
  return { released: async () => { while (release) await release; } };
}
