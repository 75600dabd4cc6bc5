import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RecordingFormatError } from '../errors.ts';
import { formatAsciicast, parseAsciicast, type Asciicast } from './asciicast.ts';
import { RecordingAssembler, terminalAsciicast } from './assemble.ts';
import { playbackSteps } from './playback.ts';
import type { RecordingRecord } from './records.ts';

const hasAsciinema = (() => { try { execFileSync('asciinema', ['--version'], { stdio: 'ignore' }); execFileSync('script', ['--version'], { stdio: 'ignore' }); return true; } catch { return false; } })();

const cast: Asciicast = {
  header: { version: 2, width: 80, height: 24, timestamp: 1_763_900_000, duration: 1.5, command: 'bash', env: { TERM: 'xterm' } },
  events: [[0.1, 'o', '$ '], [0.5, 'i', 'ls\r'], [0.51, 'o', 'ls\r\na.txt  b.txt\r\n'], [1, 'r', '100x30'], [1.5, 'o', '\u00e9t\u00e9 \u001b[31mred\u001b[0m\r\n']],
};

describe('asciicast v2', () => {
  it('round trips: header line then one JSON array per event, newline-terminated', () => {
    const text = formatAsciicast(cast);
    const lines = text.split('\n');
    expect(JSON.parse(lines[0]!)).toMatchObject({ version: 2, width: 80, height: 24 });
    expect(JSON.parse(lines[1]!)).toEqual([0.1, 'o', '$ ']);
    expect(text.endsWith('\n')).toBe(true);
    expect(parseAsciicast(text)).toEqual(cast);
  });

  it.each([
    ['empty', ''],
    ['version 1', '{"version":1,"width":80,"height":24}\n'],
    ['no width', '{"version":2,"height":24}\n'],
    ['not JSON', '{"version":2,"width":80,"height":24}\n[0.1, "o", \n'],
    ['unknown code', '{"version":2,"width":80,"height":24}\n[0.1,"x","a"]\n'],
    ['time going back', '{"version":2,"width":80,"height":24}\n[1,"o","a"]\n[0.5,"o","b"]\n'],
    ['bad resize', '{"version":2,"width":80,"height":24}\n[1,"r","wide"]\n'],
    ['non-text data', '{"version":2,"width":80,"height":24}\n[1,"o",5]\n'],
  ])('refuses %s', (_label, text) => {
    expect(() => parseAsciicast(text)).toThrow(RecordingFormatError);
  });

  it.skipIf(!hasAsciinema)('asciinema cat reads an exported recording and prints its output', () => {
    const dir = mkdtempSync(join(tmpdir(), 'postern-cast-'));
    try {
      const file = join(dir, 'x.cast');
      writeFileSync(file, formatAsciicast(cast));
      // asciinema 2.2 opens /dev/tty even for `cat`: give it a pseudo-terminal through script(1).
      const printed = execFileSync('script', ['-qec', `asciinema cat ${file}`, '/dev/null'], { encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: dir } });
      expect(printed).toContain('a.txt  b.txt');
      expect(printed).toContain('\u00e9t\u00e9');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('assembling records into terminals', () => {
  const t0 = 1_763_900_000_000;
  const euro = new TextEncoder().encode('\u20ac'); // 3 bytes, split across two records
  const records: RecordingRecord[] = [
    { kind: 'open', terminal: 1, at: t0, start: { cols: 100, rows: 30, term: 'xterm' } },
    { kind: 'open', terminal: 2, at: t0 + 10, start: { cols: 80, rows: 24, command: 'uptime' } },
    { kind: 'output', terminal: 1, at: t0 + 250, data: Uint8Array.from([...new TextEncoder().encode('price '), euro[0]!, euro[1]!]) },
    { kind: 'output', terminal: 1, at: t0 + 260, data: Uint8Array.from([euro[2]!, 0x0a]) },
    { kind: 'input', terminal: 1, at: t0 + 300, data: new TextEncoder().encode('exit\r') },
    { kind: 'resize', terminal: 1, at: t0 + 400, cols: 120, rows: 40 },
    { kind: 'output', terminal: 2, at: t0 + 500, data: new TextEncoder().encode('up 3 days\n') },
    { kind: 'event', terminal: 0, at: t0 + 510, event: { type: 'ssh.exec', command: 'uptime', exitCode: 0 } },
    { kind: 'close', terminal: 2, at: t0 + 520, exitCode: 0 },
    { kind: 'output', terminal: 9, at: t0 + 530, data: new TextEncoder().encode('orphan') },
    { kind: 'close', terminal: 1, at: t0 + 2_000, exitCode: 3 },
  ];

  it('keeps characters split across records whole, times relative to each terminal', () => {
    const assembler = new RecordingAssembler();
    assembler.add(records.slice(0, 5));
    assembler.add(records.slice(5));
    const { terminals, events } = assembler.finish();
    expect(terminals.map((t) => t.id)).toEqual([1, 2]);
    const shell = terminals[0]!;
    expect(shell.events).toEqual([[0.25, 'o', 'price '], [0.26, 'o', '\u20ac\n'], [0.3, 'i', 'exit\r'], [0.4, 'r', '120x40']]);
    expect(shell).toMatchObject({ exitCode: 3, bytesOut: 10, bytesIn: 5 });
    expect(terminals[1]).toMatchObject({ exitCode: 0, events: [[0.49, 'o', 'up 3 days\n']] });
    expect(events).toEqual([{ at: t0 + 510, event: { type: 'ssh.exec', command: 'uptime', exitCode: 0 } }]);
    const asciicast = terminalAsciicast(shell, 'web-1 root');
    expect(asciicast.header).toEqual({ version: 2, width: 100, height: 30, timestamp: Math.floor(t0 / 1000), duration: 2, title: 'web-1 root', env: { TERM: 'xterm' } });
    expect(parseAsciicast(formatAsciicast(asciicast))).toEqual(asciicast);
  });

  it('one terminal only: other terminals and events are left out', () => {
    const assembler = new RecordingAssembler(2);
    assembler.add(records);
    const only = assembler.finish();
    expect(only.terminals.map((t) => t.id)).toEqual([2]);
    expect(only.events).toEqual([]);
    expect(terminalAsciicast(only.terminals[0]!).header.command).toBe('uptime');
  });
});

describe('terminal numbering across a gateway restart', () => {
  it('a terminal number used again (a restarted gateway numbers from 1) becomes a new terminal', () => {
    const t0 = 1_763_900_000_000;
    const assembler = new RecordingAssembler();
    assembler.add([
      { kind: 'open', terminal: 1, at: t0, start: { cols: 80, rows: 24 } },
      { kind: 'output', terminal: 1, at: t0 + 1, data: new TextEncoder().encode('before crash') },
      { kind: 'open', terminal: 1, at: t0 + 5_000, start: { cols: 100, rows: 30 } },
      { kind: 'output', terminal: 1, at: t0 + 5_001, data: new TextEncoder().encode('after restart') },
      { kind: 'close', terminal: 1, at: t0 + 5_002, exitCode: 0 },
    ]);
    const { terminals } = assembler.finish();
    expect(terminals.map((t) => [t.id, t.events.map((e) => e[2]).join(''), t.exitCode])).toEqual([[1, 'before crash', null], [2, 'after restart', 0]]);
    const second = new RecordingAssembler(2);
    second.add([
      { kind: 'open', terminal: 1, at: t0, start: { cols: 80, rows: 24 } },
      { kind: 'open', terminal: 1, at: t0 + 5_000, start: { cols: 100, rows: 30 } },
      { kind: 'output', terminal: 1, at: t0 + 5_001, data: new TextEncoder().encode('after restart') },
    ]);
    expect(second.finish().terminals.map((t) => [t.id, t.start.cols])).toEqual([[2, 100]]);
  });
});

describe('playback timing', () => {
  it('divides by the speed, caps idle pauses, plays output only', () => {
    const steps = playbackSteps([[0.5, 'o', 'a'], [0.6, 'i', 'x'], [30, 'o', 'b'], [30.2, 'r', '10x10'], [31, 'o', 'c']], { speed: 2, idleCapSeconds: 1 });
    expect(steps.map((s) => s.data)).toEqual(['a', 'b', 'c']);
    expect(steps.map((s) => Math.round(s.delayMs))).toEqual([250, 500, 500]);
    expect(playbackSteps([[100, 'o', 'z']], { idleCapSeconds: 0 })[0]!.delayMs).toBe(100_000);
  });
});
