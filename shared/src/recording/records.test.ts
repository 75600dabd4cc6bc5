import { describe, expect, it } from 'vitest';
import { RecordingFormatError } from '../errors.ts';
import { RECORD_HEADER_BYTES, decodeRecords, encodeRecords, type RecordingRecord } from './records.ts';

const AT = 1_763_900_000_123.5;
const sample: RecordingRecord[] = [
  { kind: 'open', terminal: 1, at: AT, start: { cols: 80, rows: 24, term: 'xterm-256color' } },
  { kind: 'output', terminal: 1, at: AT + 1, data: new Uint8Array([0x24, 0x20, 0xc3]) },
  { kind: 'input', terminal: 1, at: AT + 2, data: new TextEncoder().encode('ls\r') },
  { kind: 'resize', terminal: 1, at: AT + 3, cols: 120, rows: 40 },
  { kind: 'event', terminal: 0, at: AT + 4, event: { type: 'ssh.exec', command: 'uname -a', exitCode: 0 } },
  { kind: 'close', terminal: 1, at: AT + 5, exitCode: 3 },
  { kind: 'close', terminal: 2, at: AT + 6, exitCode: null },
];

describe('recording records', () => {
  it('round trip: every kind, raw bytes kept exactly (even a split UTF-8 sequence)', () => {
    const decoded = decodeRecords(encodeRecords(sample));
    expect(decoded.map((r) => ('data' in r ? { ...r, data: [...r.data] } : r))).toEqual(sample.map((r) => ('data' in r ? { ...r, data: [...r.data] } : r)));
  });

  it('an empty chunk has no records', () => {
    expect(decodeRecords(new Uint8Array(0))).toEqual([]);
  });

  it('refuses truncation at every byte (never a silent partial record)', () => {
    const bytes = encodeRecords(sample);
    const boundaries = new Set<number>([0]);
    let offset = 0;
    for (const record of decodeRecords(bytes)) {
      offset += RECORD_HEADER_BYTES + ('data' in record ? record.data.length : new TextEncoder().encode(JSON.stringify(record.kind === 'open' ? record.start : record.kind === 'resize' ? { cols: record.cols, rows: record.rows } : record.kind === 'close' ? { exitCode: record.exitCode } : record.event)).length);
      boundaries.add(offset);
    }
    for (let cut = 1; cut < bytes.length; cut += 1) {
      if (boundaries.has(cut)) expect(() => decodeRecords(bytes.subarray(0, cut))).not.toThrow();
      else expect(() => decodeRecords(bytes.subarray(0, cut))).toThrow(RecordingFormatError);
    }
  });

  it('refuses unknown kinds and bad payloads', () => {
    const bytes = encodeRecords([sample[0]!]);
    const unknown = Uint8Array.from(bytes); unknown[0] = 99;
    expect(() => decodeRecords(unknown)).toThrow(/unknown record kind 99/);
    const notJson = Uint8Array.from(bytes); notJson[RECORD_HEADER_BYTES] = 0x7a;
    expect(() => decodeRecords(notJson)).toThrow(/not JSON/);
    const noSize = encodeRecords([{ kind: 'open', terminal: 1, at: AT, start: { cols: -1, rows: 2 } }]);
    expect(() => decodeRecords(noSize)).toThrow(/no terminal size/);
    const noType = encodeRecords([{ kind: 'event', terminal: 0, at: AT, event: { type: 5 } as never }]);
    expect(() => decodeRecords(noType)).toThrow(/no type/);
  });

  it('survives random garbage with typed errors only (fuzz, 2,000 inputs)', () => {
    let seed = 42;
    const random = () => { seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff; return seed / 0x7fffffff; };
    for (let i = 0; i < 2_000; i += 1) {
      const base = encodeRecords(sample);
      const mutated = Uint8Array.from(base.subarray(0, Math.floor(random() * base.length)));
      for (let j = 0; j < 3; j += 1) mutated[Math.floor(random() * mutated.length)] = Math.floor(random() * 256);
      try { decodeRecords(mutated); } catch (error) { expect(error).toBeInstanceOf(RecordingFormatError); }
    }
  });
});
