/**
 * One line per measured figure, in a form `bench/run.ts` collects into the final ratio table.
 * A benchmark prints its own human-readable detail as it likes and calls `report` once per row
 * of the table; the marker keeps the table independent of each benchmark's free-form output.
 */
export const RESULT_MARKER = '@@bench-result ';

export interface BenchResult {
  /** Row label, e.g. "Throughput 256 MB: Postern --local-port vs ssh -L". */
  measure: string;
  unit: string;
  /** Postern's figure. */
  value: number;
  /** The baseline measured in the same run, when the row compares against one. */
  baseline?: { name: string; value: number };
  /** "higher" when a bigger value is better (MB/s, certs/s), "lower" for times. */
  better: 'higher' | 'lower';
  /** The target in words, e.g. "≥ 1.0× ssh -L" or "≤ 300 ms". */
  target?: string;
  met?: boolean;
}

export function report(result: BenchResult): void {
  console.log(RESULT_MARKER + JSON.stringify(result));
}

/** value/baseline: for "lower is better" rows a ratio above 1 means Postern is slower. */
export function ratioOf(result: BenchResult): number | undefined {
  return result.baseline && result.baseline.value !== 0 ? result.value / result.baseline.value : undefined;
}

export function parseResultLine(line: string): BenchResult | undefined {
  if (!line.startsWith(RESULT_MARKER)) return undefined;
  return JSON.parse(line.slice(RESULT_MARKER.length)) as BenchResult;
}
