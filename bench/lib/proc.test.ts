import { execFileSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { cpuSeconds, ensureOpenFileLimit, processLimit, rssKb } from './proc.ts';

it('reads this process\'s RSS in KiB, matching ps', () => {
  const ours = rssKb(process.pid);
  const ps = Number(execFileSync('ps', ['-o', 'rss=', '-p', String(process.pid)], { encoding: 'utf8' }).trim());
  expect(ours).toBeGreaterThan(10_000);
  // Both read the same counter a moment apart; the heap may move a little between them.
  expect(Math.abs(ours - ps)).toBeLessThan(ours * 0.2);
});

it('counts the CPU seconds this process used, as process.cpuUsage does', () => {
  const cpu = () => { const usage = process.cpuUsage(); return (usage.user + usage.system) / 1e6; };
  const [before, ownBefore] = [cpuSeconds(process.pid), cpu()];
  // Spin until 0.3 s of CPU are used (bounded in wall time: the machine is shared).
  const deadline = performance.now() + 10_000;
  while (cpu() - ownBefore < 0.3 && performance.now() < deadline) Math.sqrt(Math.random());
  const [used, ownUsed] = [cpuSeconds(process.pid) - before, cpu() - ownBefore];
  expect(ownUsed).toBeGreaterThanOrEqual(0.3);
  // /proc counts in clock ticks of 10 ms; other threads (GC) may add a little.
  expect(used).toBeGreaterThan(ownUsed - 0.05);
  expect(used).toBeLessThan(ownUsed + 0.2);
});

it('keeps an open-file limit that is already high enough, and raises a lower one up to the hard limit', () => {
  const now = ensureOpenFileLimit(16);
  expect(now).toBeGreaterThanOrEqual(16);
  expect(ensureOpenFileLimit(now + 1)).toBeGreaterThanOrEqual(Math.min(now + 1, hardOpenFileLimit()));
  expect(processLimit()).toBeGreaterThan(0);
});

function hardOpenFileLimit(): number {
  const hard = execFileSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim();
  return hard === 'unlimited' ? Infinity : Number(hard);
}
