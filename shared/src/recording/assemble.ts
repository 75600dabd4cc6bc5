/**
 * Turns a session's records (from its chunks, in chunk order) into what reviewers see: one
 * asciicast per terminal and the list of structured events. Bytes are decoded as UTF-8 with one
 * streaming decoder per terminal and direction, so a character split across two SSH packets (or
 * two chunks) comes out whole.
 */
import type { Asciicast, AsciicastEvent } from './asciicast.ts';
import type { RecordingRecord } from './records.ts';
import type { SessionEvent, TerminalStart } from './recorder.ts';

export interface AssembledTerminal {
  id: number;
  start: TerminalStart;
  openedAt: number;
  closedAt: number | null;
  exitCode: number | null;
  bytesOut: number;
  bytesIn: number;
  events: AsciicastEvent[];
}

export interface TimedEvent {
  at: number;
  event: SessionEvent;
}

export interface AssembledRecording {
  terminals: AssembledTerminal[];
  events: TimedEvent[];
}

interface OpenTerminal extends AssembledTerminal {
  decoders: { output: InstanceType<typeof TextDecoder>; input: InstanceType<typeof TextDecoder> };
}

/**
 * Terminals are numbered 1, 2, … in the order they opened, whatever number the gateway gave them:
 * a gateway restarted in the middle of a session numbers its terminals from 1 again, and a
 * re-used number must become a new terminal, not overwrite the earlier one.
 */
export class RecordingAssembler {
  private readonly terminals = new Map<number, OpenTerminal>();
  private readonly numberOf = new Map<number, number>();
  private opened = 0;
  private readonly events: TimedEvent[] = [];

  /** `onlyTerminal` (a number as assigned here) skips every other terminal's bytes (exports of one terminal). */
  constructor(private readonly onlyTerminal?: number) {}

  add(records: Iterable<RecordingRecord>): void {
    for (const record of records) this.addRecord(record);
  }

  private addRecord(record: RecordingRecord): void {
    if (record.kind === 'event') {
      if (this.onlyTerminal === undefined) this.events.push({ at: record.at, event: record.event });
      return;
    }
    if (record.kind === 'open') {
      this.opened += 1;
      this.numberOf.set(record.terminal, this.opened);
      if (this.onlyTerminal !== undefined && this.opened !== this.onlyTerminal) return;
      this.terminals.set(this.opened, {
        id: this.opened, start: record.start, openedAt: record.at, closedAt: null, exitCode: null, bytesOut: 0, bytesIn: 0, events: [],
        decoders: { output: new TextDecoder('utf-8'), input: new TextDecoder('utf-8') },
      });
      return;
    }
    const number = this.numberOf.get(record.terminal);
    // A terminal whose open record was in a chunk that never arrived (lost in a crash) is left out.
    const terminal = number === undefined ? undefined : this.terminals.get(number);
    if (!terminal) return;
    const time = Math.max(0, record.at - terminal.openedAt) / 1000;
    if ('data' in record) {
      if (record.kind === 'output') terminal.bytesOut += record.data.length;
      else terminal.bytesIn += record.data.length;
      const text = terminal.decoders[record.kind].decode(record.data, { stream: true });
      if (text) terminal.events.push([time, record.kind === 'output' ? 'o' : 'i', text]);
    } else if (record.kind === 'resize') {
      terminal.events.push([time, 'r', `${record.cols}x${record.rows}`]);
    } else {
      terminal.closedAt = record.at;
      terminal.exitCode = record.exitCode;
    }
  }

  finish(): AssembledRecording {
    const terminals = [...this.terminals.values()].map(({ decoders, ...terminal }) => {
      const tail = { output: decoders.output.decode(), input: decoders.input.decode() };
      const last = terminal.events.at(-1)?.[0] ?? 0;
      if (tail.output) terminal.events.push([last, 'o', tail.output]);
      if (tail.input) terminal.events.push([last, 'i', tail.input]);
      return terminal;
    });
    return { terminals: terminals.sort((a, b) => a.id - b.id), events: this.events };
  }
}

/** One terminal as an asciicast v2 recording. */
export function terminalAsciicast(terminal: AssembledTerminal, title?: string): Asciicast {
  const end = terminal.closedAt ?? (terminal.openedAt + (terminal.events.at(-1)?.[0] ?? 0) * 1000);
  return {
    header: {
      version: 2,
      width: Math.max(1, terminal.start.cols),
      height: Math.max(1, terminal.start.rows),
      timestamp: Math.floor(terminal.openedAt / 1000),
      duration: Math.round(Math.max(0, end - terminal.openedAt)) / 1000,
      ...(terminal.start.command ? { command: terminal.start.command } : {}),
      ...(title ? { title } : {}),
      ...(terminal.start.term ? { env: { TERM: terminal.start.term } } : {}),
    },
    events: terminal.events,
  };
}
