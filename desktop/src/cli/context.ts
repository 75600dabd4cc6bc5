import type { DesktopSession } from '../core/session.ts';
import type { CliEnv } from './env.ts';
import type { PromptStreams } from './prompt.ts';
import type { CommandTimings } from './timings.ts';

/** What every subcommand gets: the saved sign-in, the environment read at start, and the terminal. */
export interface CliContext {
  session: DesktopSession;
  env: CliEnv;
  terminal: PromptStreams & { error: NodeJS.WritableStream | import('node:stream').Writable };
  /** Present with POSTERN_TIMINGS=1: commands mark their steps on it. */
  timings?: CommandTimings;
}

export function print(context: CliContext, text: string): void {
  context.terminal.output.write(`${text}\n`);
}
