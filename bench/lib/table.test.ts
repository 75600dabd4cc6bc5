import { describe, expect, it } from 'vitest';
import { parseResultLine, RESULT_MARKER, ratioOf, type BenchResult } from './report.ts';
import { renderTable } from './table.ts';

const throughput: BenchResult = {
  measure: 'Throughput 256 MB', unit: 'MB/s', value: 300, better: 'higher',
  baseline: { name: 'ssh -L', value: 400 }, target: '≥ 1.0× ssh -L', met: false,
};

describe('bench result lines', () => {
  it('round-trip through the marker line and ignore every other line', () => {
    const line = RESULT_MARKER + JSON.stringify(throughput);
    expect(parseResultLine(line)).toEqual(throughput);
    expect(parseResultLine('direct TCP echo 932 MB/s')).toBeUndefined();
  });

  it('ratio is value over baseline, absent without a baseline', () => {
    expect(ratioOf(throughput)).toBe(0.75);
    expect(ratioOf({ measure: 'certs', unit: '/s', value: 2000, better: 'higher' })).toBeUndefined();
  });
});

describe('renderTable', () => {
  it('puts each figure beside its baseline, ratio, target and verdict, columns aligned', () => {
    const table = renderTable([
      { ...throughput, bench: 'throughput' },
      { bench: 'ssh-cert-issuance', measure: 'SSH user certs', unit: 'certs/s', value: 2200, better: 'higher', target: '≥ 2000/s', met: true },
    ]);
    const lines = table.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[2]).toContain('300 MB/s');
    expect(lines[2]).toContain('400 MB/s (ssh -L)');
    expect(lines[2]).toContain('0.75×');
    expect(lines[2]).toMatch(/NO$/);
    expect(lines[3]).toMatch(/yes$/);
    expect(lines[3]).toContain('—');
    expect(lines[2]!.indexOf('300 MB/s')).toBe(lines[0]!.indexOf('Postern'));
    expect(lines[3]!.indexOf('2200 certs/s')).toBe(lines[0]!.indexOf('Postern'));
  });
});
