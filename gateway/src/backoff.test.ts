import { describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_BACKOFF } from './backoff.ts';

describe('backoffDelay', () => {
  it('doubles from the initial delay and stays within [ceiling/2, ceiling]', () => {
    const policy = { initialMs: 100, maxMs: 5000, factor: 2 };
    expect([0, 1, 2, 3].map((n) => backoffDelay(policy, n, () => 1))).toEqual([100, 200, 400, 800]);
    expect([0, 1, 2, 3].map((n) => backoffDelay(policy, n, () => 0))).toEqual([50, 100, 200, 400]);
  });

  it('never exceeds the cap, even after very many attempts', () => {
    for (const attempt of [10, 50, 1000]) expect(backoffDelay(DEFAULT_BACKOFF, attempt, () => 1)).toBe(DEFAULT_BACKOFF.maxMs);
  });

  it('spreads gateways: 200 random draws at one attempt are not all the same', () => {
    const delays = new Set(Array.from({ length: 200 }, () => backoffDelay(DEFAULT_BACKOFF, 4)));
    expect(delays.size).toBeGreaterThan(50);
    for (const d of delays) expect(d).toBeGreaterThanOrEqual(1600);
  });
});
