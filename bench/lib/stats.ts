/** Order statistics for benchmark samples: every figure we print is a median or a percentile, never a mean. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) throw new Error('percentile of no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[index]!;
}

export const median = (samples: readonly number[]): number => percentile(samples, 0.5);
