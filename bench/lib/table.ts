import { ratioOf, type BenchResult } from './report.ts';

const fmt = (value: number): string => (Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 10 ? value.toFixed(1) : value.toFixed(2));

/** The one table `npm run bench` ends with: every figure beside its same-run baseline and the ratio. */
export function renderTable(rows: Array<BenchResult & { bench: string }>): string {
  const header = ['bench', 'measure', 'Postern', 'baseline', 'ratio', 'target', 'met'];
  const body = rows.map((r) => {
    const ratio = ratioOf(r);
    return [
      r.bench, r.measure, `${fmt(r.value)} ${r.unit}`,
      r.baseline ? `${fmt(r.baseline.value)} ${r.unit} (${r.baseline.name})` : '—',
      ratio === undefined ? '—' : `${ratio.toFixed(2)}×`,
      r.target ?? '—', r.met === undefined ? '—' : r.met ? 'yes' : 'NO',
    ];
  });
  const widths = header.map((_, i) => Math.max(header[i]!.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}
