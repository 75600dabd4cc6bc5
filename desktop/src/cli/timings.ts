/**
 * POSTERN_TIMINGS=1: where a command's time went. Each step is marked once, in milliseconds
 * since the process started (Node's performance.timeOrigin), and the summary goes to stderr when
 * the command ends, after the terminal is back in cooked mode, so it never mixes into a shell.
 * `modules` is when the command's code finished loading (Node start included); the connect steps
 * are described in ../core/connect-steps.ts; `cpu` is the CPU time used by the end.
 */
export type CliOrigin = 'bundle' | 'source';

export class CommandTimings {
  private readonly marks: Array<{ step: string; at: number }> = [];

  constructor(
    private readonly now: () => number = () => performance.now(),
    /** CPU time (user + system, ms) this process used so far: unlike wall time, other load barely moves it. */
    private readonly cpuMs: () => number = () => { const { user, system } = process.cpuUsage(); return (user + system) / 1000; },
  ) {}

  /** Records `step` the first time it is reached; later marks of the same step are ignored. */
  readonly mark = (step: string): void => {
    if (!this.marks.some((mark) => mark.step === step)) this.marks.push({ step, at: this.now() });
  };

  summary(origin: CliOrigin): string {
    const steps = this.marks.map(({ step, at }) => `${step}=${Math.round(at)}`).join(' ');
    return `Postern timings (${origin}, ms since the process started): ${steps} cpu=${Math.round(this.cpuMs())}\n`;
  }
}

/** Reads a summary line back into step → ms (the connect-time benchmark and tests use it). */
export function parseTimingsSummary(text: string): { origin: CliOrigin; steps: Record<string, number> } | undefined {
  const line = /Postern timings \((bundle|source), ms since the process started\):([^\r\n]*)/.exec(text);
  if (!line) return undefined;
  const steps: Record<string, number> = {};
  for (const [, step, ms] of line[2]!.matchAll(/(\S+)=(\d+)/g)) steps[step!] = Number(ms);
  return { origin: line[1] as CliOrigin, steps };
}

/** The bundle is one .mjs file; from source this module is timings.ts. */
export function cliOrigin(moduleUrl: string): CliOrigin {
  return moduleUrl.endsWith('.ts') ? 'source' : 'bundle';
}
