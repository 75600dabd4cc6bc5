/**
 * asciicast v2 (https://docs.asciinema.org/manual/asciicast/v2/): a JSON header line, then one
 * `[time, code, data]` line per event — "o" output, "i" input, "r" resize ("COLSxROWS"), "m" marker.
 * Exports from Postern play in `asciinema play` and the asciinema web player.
 */
import { RecordingFormatError } from '../errors.ts';

export type AsciicastCode = 'o' | 'i' | 'r' | 'm';
export type AsciicastEvent = [time: number, code: AsciicastCode, data: string];

export interface AsciicastHeader {
  version: 2;
  width: number;
  height: number;
  /** Unix time (seconds) the recording started. */
  timestamp?: number;
  duration?: number;
  idle_time_limit?: number;
  command?: string;
  title?: string;
  env?: Record<string, string>;
  [field: string]: unknown;
}

export interface Asciicast {
  header: AsciicastHeader;
  events: AsciicastEvent[];
}

/** Seconds with microsecond precision, as asciinema writes them. */
function roundTime(seconds: number): number {
  return Math.round(seconds * 1e6) / 1e6;
}

export function formatAsciicastHeader(header: AsciicastHeader): string {
  return JSON.stringify(header);
}

export function formatAsciicastEvent(event: AsciicastEvent): string {
  return JSON.stringify([roundTime(event[0]), event[1], event[2]]);
}

/** The whole file: header line, event lines, a trailing newline. */
export function formatAsciicast(cast: Asciicast): string {
  return [formatAsciicastHeader(cast.header), ...cast.events.map(formatAsciicastEvent)].join('\n') + '\n';
}

const CODES = new Set<string>(['o', 'i', 'r', 'm']);

function parseLine(line: string, number: number): unknown {
  try {
    return JSON.parse(line);
  } catch {
    throw new RecordingFormatError(`asciicast line ${number} is not JSON`);
  }
}

function parseHeader(value: unknown): AsciicastHeader {
  const header = value as Partial<AsciicastHeader> | null;
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new RecordingFormatError('the asciicast header is not an object');
  if (header.version !== 2) throw new RecordingFormatError(`asciicast version ${String(header.version)} is not 2`);
  const positiveInt = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n > 0;
  if (!positiveInt(header.width) || !positiveInt(header.height)) throw new RecordingFormatError('the asciicast header needs integer width and height');
  return header as AsciicastHeader;
}

function parseEvent(value: unknown, number: number, previous: number): AsciicastEvent {
  if (!Array.isArray(value) || value.length !== 3) throw new RecordingFormatError(`asciicast line ${number} is not a [time, code, data] event`);
  const [time, code, data] = value as unknown[];
  if (typeof time !== 'number' || !Number.isFinite(time) || time < 0) throw new RecordingFormatError(`asciicast line ${number} has no valid time`);
  if (time < previous) throw new RecordingFormatError(`asciicast line ${number} goes back in time (${time} < ${previous})`);
  if (typeof code !== 'string' || !CODES.has(code)) throw new RecordingFormatError(`asciicast line ${number} has unknown event code ${JSON.stringify(code)}`);
  if (typeof data !== 'string') throw new RecordingFormatError(`asciicast line ${number} has non-text data`);
  if (code === 'r' && !/^\d+x\d+$/.test(data)) throw new RecordingFormatError(`asciicast line ${number} resizes to ${JSON.stringify(data)}, not COLSxROWS`);
  return [time, code as AsciicastCode, data];
}

/** Reads an asciicast v2 file; anything that is not v2 is refused with the line that is wrong. */
export function parseAsciicast(text: string): Asciicast {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (lines.length === 0) throw new RecordingFormatError('the asciicast is empty');
  const header = parseHeader(parseLine(lines[0]!, 1));
  const events: AsciicastEvent[] = [];
  let previous = 0;
  for (let i = 1; i < lines.length; i += 1) {
    if (lines[i] === '') continue;
    const event = parseEvent(parseLine(lines[i]!, i + 1), i + 1, previous);
    previous = event[0];
    events.push(event);
  }
  return { header, events };
}
