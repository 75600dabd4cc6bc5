/**
 * The records inside a recording chunk: a binary framing, not JSON, because the gateway writes it
 * on the session's data path and a frame costs one header write and one copy of the bytes.
 * Terminal bytes stay raw here (UTF-8 decoding and JSON escaping happen once, at export time, in
 * asciicast.ts), so nothing is lost or replaced while recording.
 *
 * Frame: kind u8 | terminal u32 BE | at f64 BE (ms since the epoch) | length u32 BE | payload.
 * Payloads: output/input = raw bytes; open, resize, close, event = UTF-8 JSON.
 */
import { RecordingFormatError } from '../errors.ts';
import type { SessionEvent, TerminalStart } from './recorder.ts';

export const RECORD_HEADER_BYTES = 17;

export const RECORD_KINDS = { open: 1, output: 2, input: 3, resize: 4, close: 5, event: 6 } as const;
export type RecordKind = keyof typeof RECORD_KINDS;
const KIND_NAMES = new Map<number, RecordKind>(Object.entries(RECORD_KINDS).map(([name, code]) => [code, name as RecordKind]));

export type RecordingRecord =
  | { kind: 'open'; terminal: number; at: number; start: TerminalStart }
  | { kind: 'output' | 'input'; terminal: number; at: number; data: Uint8Array }
  | { kind: 'resize'; terminal: number; at: number; cols: number; rows: number }
  | { kind: 'close'; terminal: number; at: number; exitCode: number | null }
  | { kind: 'event'; terminal: 0; at: number; event: SessionEvent };

/** The JSON payload of a non-data record, as bytes. */
export function recordPayload(record: RecordingRecord): Uint8Array {
  switch (record.kind) {
    case 'output':
    case 'input': return record.data;
    case 'open': return utf8(record.start);
    case 'resize': return utf8({ cols: record.cols, rows: record.rows });
    case 'close': return utf8({ exitCode: record.exitCode });
    case 'event': return utf8(record.event);
  }
}

function utf8(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

/**
 * Writes one frame header at `offset` of the buffer `view` spans; the payload goes right after it.
 * Takes a view over the whole buffer (made once per buffer) so a record costs no allocation.
 */
export function writeRecordHeader(view: DataView, offset: number, kind: RecordKind, terminal: number, at: number, length: number): void {
  view.setUint8(offset, RECORD_KINDS[kind]);
  view.setUint32(offset + 1, terminal);
  view.setFloat64(offset + 5, at);
  view.setUint32(offset + 13, length);
}

/** Encodes records back to back (tests and tools; the gateway's spool writes frames in place). */
export function encodeRecords(records: readonly RecordingRecord[]): Uint8Array {
  const payloads = records.map(recordPayload);
  const total = payloads.reduce((sum, payload) => sum + RECORD_HEADER_BYTES + payload.length, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let offset = 0;
  records.forEach((record, i) => {
    const payload = payloads[i]!;
    writeRecordHeader(view, offset, record.kind, record.terminal, record.at, payload.length);
    out.set(payload, offset + RECORD_HEADER_BYTES);
    offset += RECORD_HEADER_BYTES + payload.length;
  });
  return out;
}

/** Decodes every frame of a chunk's plaintext; a truncated or unknown frame is refused, not skipped. */
export function decodeRecords(plaintext: Uint8Array): RecordingRecord[] {
  const records: RecordingRecord[] = [];
  const view = new DataView(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength);
  let offset = 0;
  while (offset < plaintext.length) {
    if (plaintext.length - offset < RECORD_HEADER_BYTES) throw new RecordingFormatError(`a record header at byte ${offset} is truncated`);
    const kind = KIND_NAMES.get(view.getUint8(offset));
    const terminal = view.getUint32(offset + 1);
    const at = view.getFloat64(offset + 5);
    const length = view.getUint32(offset + 13);
    const start = offset + RECORD_HEADER_BYTES;
    if (!kind) throw new RecordingFormatError(`unknown record kind ${view.getUint8(offset)} at byte ${offset}`);
    if (start + length > plaintext.length) throw new RecordingFormatError(`a record at byte ${offset} claims ${length} bytes but the chunk ends first`);
    if (!Number.isFinite(at)) throw new RecordingFormatError(`a record at byte ${offset} has no valid time`);
    records.push(recordOf(kind, terminal, at, plaintext.subarray(start, start + length)));
    offset = start + length;
  }
  return records;
}

function recordOf(kind: RecordKind, terminal: number, at: number, payload: Uint8Array): RecordingRecord {
  if (kind === 'output' || kind === 'input') return { kind, terminal, at, data: payload };
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  } catch {
    throw new RecordingFormatError(`a ${kind} record's payload is not JSON`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new RecordingFormatError(`a ${kind} record's payload is not an object`);
  const fields = json as Record<string, unknown>;
  switch (kind) {
    case 'open': {
      if (!isDimension(fields.cols) || !isDimension(fields.rows)) throw new RecordingFormatError('an open record has no terminal size');
      return { kind, terminal, at, start: json as TerminalStart };
    }
    case 'resize': {
      if (!isDimension(fields.cols) || !isDimension(fields.rows)) throw new RecordingFormatError('a resize record has no terminal size');
      return { kind, terminal, at, cols: fields.cols, rows: fields.rows };
    }
    case 'close': return { kind, terminal, at, exitCode: typeof fields.exitCode === 'number' ? fields.exitCode : null };
    case 'event': {
      if (typeof fields.type !== 'string') throw new RecordingFormatError('an event record has no type');
      return { kind, terminal: 0, at, event: json as SessionEvent };
    }
  }
}

function isDimension(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 100_000;
}
