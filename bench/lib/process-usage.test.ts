import { describe, expect, it } from 'vitest';
import { cpuSeconds, rssKb } from './process-usage.ts';

describe('process usage from /proc', () => {
  it('CPU seconds grow when the process burns CPU', () => {
    const before = cpuSeconds(process.pid);
    const until = performance.now() + 120;
    let spin = 0;
    while (performance.now() < until) spin += Math.sqrt(spin + 1);
    expect(spin).toBeGreaterThan(0);
    expect(cpuSeconds(process.pid) - before).toBeGreaterThanOrEqual(0.05);
  });

  it('RSS is the resident size in kB, close to what Node reports', () => {
    const kb = rssKb(process.pid);
    expect(Math.abs(kb * 1024 - process.memoryUsage.rss()) / (kb * 1024)).toBeLessThan(0.2);
  });

  it('an unknown process is an error, not zero', () => {
    expect(() => cpuSeconds(2 ** 22 + 7)).toThrow();
  });
});
