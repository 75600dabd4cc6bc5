/**
 * The seam between protocol handlers (SSH bridge, Kubernetes proxy) and session recording.
 * Handlers report what happens; the gateway's encrypted spool implements this and uploads it.
 * Calls never block and never throw into the data path: recording must not slow or break a session.
 */

/** One terminal stream: an SSH shell or exec, or a `kubectl exec` — becomes an asciicast v2 recording. */
export interface TerminalRecorder {
  /** Bytes the target sent to the user (asciicast "o"). */
  output(data: Uint8Array): void;
  /** Bytes the user typed (asciicast "i"). */
  input(data: Uint8Array): void;
  /** Window size change (asciicast "r", "COLSxROWS"). */
  resize(cols: number, rows: number): void;
  /** The stream ended; exitCode when the target reported one. */
  close(exitCode?: number | null): void;
}

export interface TerminalStart {
  cols: number;
  rows: number;
  /** The command for exec streams; absent for an interactive shell. */
  command?: string;
  /** TERM of the client, for the asciicast header. */
  term?: string;
}

/** A structured event: an exec command, an SFTP operation, a Kubernetes API request. */
export interface SessionEvent {
  type: string;
  [field: string]: unknown;
}

/**
 * Backpressure from a recorder that writes somewhere slower than a session can produce: while
 * `behind()`, a handler stops reading from the target (the target's flow control then slows it)
 * until `onceCaughtUp` calls back. Memory stays bounded and no recorded byte is dropped.
 */
export interface RecorderFlow {
  behind(): boolean;
  /** Calls back once the recorder can take more (at once if it already can, or if it stopped). */
  onceCaughtUp(listener: () => void): void;
}

export interface SessionRecorder {
  openTerminal(start: TerminalStart): TerminalRecorder;
  event(event: SessionEvent): void;
  /** Present when the recorder can fall behind (the gateway's spool); absent means it never does. */
  readonly flow?: RecorderFlow;
}

/** For handlers run with recording disabled (benchmarks of the overhead, tests of the data path). */
export const NO_RECORDING: SessionRecorder = {
  openTerminal: () => ({ output() {}, input() {}, resize() {}, close() {} }),
  event() {},
};
