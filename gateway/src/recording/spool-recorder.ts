/**
 * The SessionRecorder the SSH bridge and the Kubernetes proxy report into, writing to one
 * session's chunk writer. Terminals get ids 1, 2, … in the order they open (0 is the event stream).
 * Nothing here throws into the data path: a recording failure is logged, the session goes on.
 */
import type { RecorderFlow, SessionEvent, SessionRecorder, TerminalRecorder, TerminalStart } from '@postern/shared/recording/recorder';
import type { SessionChunkWriter } from './chunk-writer.ts';

export class SpoolSessionRecorder implements SessionRecorder {
  private nextTerminal = 1;

  constructor(
    private readonly writer: Pick<SessionChunkWriter<unknown>, 'appendData' | 'appendJson'>, private readonly failed: (error: unknown) => void,
    readonly flow?: RecorderFlow,
  ) {}

  openTerminal(start: TerminalStart): TerminalRecorder {
    const id = this.nextTerminal;
    this.nextTerminal += 1;
    this.safely(() => this.writer.appendJson('open', id, { cols: start.cols, rows: start.rows, ...(start.command ? { command: start.command } : {}), ...(start.term ? { term: start.term } : {}) }));
    let closed = false;
    return {
      output: (data) => this.safely(() => this.writer.appendData('output', id, data)),
      input: (data) => this.safely(() => this.writer.appendData('input', id, data)),
      resize: (cols, rows) => this.safely(() => this.writer.appendJson('resize', id, { cols, rows })),
      close: (exitCode) => {
        if (closed) return;
        closed = true;
        this.safely(() => this.writer.appendJson('close', id, { exitCode: exitCode ?? null }));
      },
    };
  }

  event(event: SessionEvent): void {
    this.safely(() => this.writer.appendJson('event', 0, event));
  }

  private safely(write: () => void): void {
    try {
      write();
    } catch (error) {
      this.failed(error);
    }
  }
}
