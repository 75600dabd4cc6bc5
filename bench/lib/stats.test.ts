import { describe, expect, it } from 'vitest';
import { median, percentile } from './stats.ts';

describe('percentile', () => {
  it('takes the nearest-rank value, whatever the input order', () => {
    const samples = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    expect(median(samples)).toBe(5);
    expect(percentile(samples, 0.99)).toBe(10);
    expect(percentile(samples, 0.1)).toBe(1);
    expect(percentile(samples, 0)).toBe(1);
  });

  it('a single sample is every percentile', () => {
    expect(percentile([7], 0.5)).toBe(7);
    expect(percentile([7], 0.99)).toBe(7);
  });

  it('refuses an empty sample set instead of printing undefined', () => {
    expect(() => median([])).toThrow(/no samples/);
  });
});
