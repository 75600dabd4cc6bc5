import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliOrigin, CommandTimings, parseTimingsSummary } from './timings.ts';

const desktopDir = new URL('../..', import.meta.url).pathname;

describe('CommandTimings', () => {
  it('prints each step once, in the order reached, in ms since start, with the CPU time; the summary reads back', () => {
    const clock = [41.6, 57.2, 120.9];
    const timings = new CommandTimings(() => clock.shift()!, () => 88.4);
    timings.mark('modules');
    timings.mark('command');
    timings.mark('modules');
    timings.mark('session');
    const line = timings.summary('bundle');
    expect(line).toBe('Postern timings (bundle, ms since the process started): modules=42 command=57 session=121 cpu=88\n');
    expect(parseTimingsSummary(`noise\r\n${line}more`)).toEqual({ origin: 'bundle', steps: { modules: 42, command: 57, session: 121, cpu: 88 } });
    expect(parseTimingsSummary('no summary here')).toBeUndefined();
  });

  it('tells the bundle from the source by the module file', () => {
    expect(cliOrigin('file:///x/desktop/src/cli/main.ts')).toBe('source');
    expect(cliOrigin('file:///x/desktop/dist/cli/postern.mjs')).toBe('bundle');
  });
});

describe('POSTERN_TIMINGS=1 on the real command', () => {
  it('prints the summary to stderr, after the command, and nothing without it', async () => {
    const config = await mkdtemp(join(tmpdir(), 'postern-timings-'));
    const run = (env: Record<string, string>) => new Promise<{ code: number | null; out: string; err: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [join(desktopDir, 'bin/postern.js'), 'whoami'], {
        env: { PATH: process.env.PATH, HOME: config, XDG_CONFIG_HOME: config, POSTERN_CLI_FROM_SOURCE: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (chunk) => { out += chunk; });
      child.stderr.on('data', (chunk) => { err += chunk; });
      const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.once('error', reject);
      child.once('close', (code) => { clearTimeout(killer); resolve({ code, out, err }); });
    });
    try {
      const timed = await run({ POSTERN_TIMINGS: '1' });
      expect(timed.code).toBe(1);
      expect(timed.err).toMatch(/^Error: You are not signed in\..*\nPostern timings \(source, ms since the process started\): modules=\d+ cpu=\d+\n$/);
      const summary = parseTimingsSummary(timed.err)!;
      expect(summary.steps.modules).toBeGreaterThan(0);
      const plain = await run({});
      expect(plain.err).not.toContain('Postern timings');
    } finally {
      await rm(config, { recursive: true, force: true });
    }
  }, 60_000);
});
