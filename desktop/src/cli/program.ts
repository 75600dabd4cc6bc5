import { Command, CommanderError } from 'commander';
import { PosternError } from '@postern/shared/errors';
import { registerAuthCommands, UsageError } from './commands/auth.ts';
import { registerPamCommands } from './commands/pam.ts';
import { CommandExitCode } from './commands/ssh-duration.ts';
import type { CliContext } from './context.ts';
import { PromptAbortedError } from './prompt.ts';

/** The `postern` command tree. Tests build it with their own context and run it in-process. */
export function buildProgram(context: CliContext): Command {
  const program = new Command('postern')
    .description('Postern: reach private servers and clusters through short-lived, recorded sessions')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => context.terminal.output.write(text),
      writeErr: (text) => context.terminal.error.write(text),
    });
  registerAuthCommands(program, context);
  registerPamCommands(program, context);
  return program;
}

/** Runs the command line; returns the exit code. Errors are printed as one line that says what to do. */
export async function runCli(context: CliContext, argv: string[]): Promise<number> {
  try {
    await buildProgram(context).parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof CommandExitCode) return error.code;
    context.terminal.error.write(`${describeCliError(error)}\n`);
    return error instanceof PromptAbortedError ? 130 : 1;
  }
}

export function describeCliError(error: unknown): string {
  if (error instanceof PosternError) {
    switch (error.code) {
      case 'not_signed_in':
      case 'sign_in_expired':
      case 'unauthenticated':
      case 'token_expired':
        return `Error: ${error.code === 'not_signed_in' ? 'You are not signed in' : 'Your sign-in has expired or was revoked'}. Run: postern login`;
      case 'invalid_credentials':
        return 'Error: The email or password is wrong. Check both and run postern login again.';
      default:
        return `Error: ${error.message}`;
    }
  }
  if (error instanceof UsageError || error instanceof PromptAbortedError) return `Error: ${error.message}`;
  return `Error: ${error instanceof Error ? error.message : String(error)}`;
}
