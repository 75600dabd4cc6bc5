/**
 * An interactive shell in the user's own terminal over the gateway bridge: raw mode while it
 * runs, window size sent at start and on every resize, the remote exit status passed back, and
 * the terminal put back as it was however the shell ends.
 */
import type { Duplex, Readable, Writable } from 'node:stream';
import type { ClientChannel } from 'ssh2';
import type { OnConnectStep } from '../connect-steps.ts';
import { connectGatewaySsh } from './gateway-ssh-client.ts';

/** The parts of process.stdin / process.stdout this needs (tests pass their own). */
export interface ShellTerminal {
  input: Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown; isRaw?: boolean };
  output: Writable & { isTTY?: boolean; columns?: number; rows?: number; on(event: 'resize', listener: () => void): unknown; off(event: 'resize', listener: () => void): unknown };
  error: Writable;
}

export interface ShellOutcome {
  /** The remote shell's exit status; null when it ended by a signal or without reporting one. */
  exitCode: number | null;
  signal?: string;
  /** The gateway closed the shell without an exit status (session expired, terminated, connection lost). */
  endedByGateway: boolean;
}

export interface InteractiveShellOptions {
  stream: Duplex;
  terminal: ShellTerminal;
  term?: string;
  /** Passed to the target if its sshd accepts them (the gateway forwards LANG, LC_*, TZ, COLORTERM). */
  env?: Record<string, string>;
  /** Told 'ssh', 'shell' and 'output' as the bridge login, the shell and its first output arrive. */
  onStep?: OnConnectStep;
}

function windowSize(output: ShellTerminal['output']): { rows: number; cols: number } {
  return { rows: output.rows || 24, cols: output.columns || 80 };
}

function openShell(options: InteractiveShellOptions, client: import('ssh2').Client): Promise<ClientChannel> {
  const size = windowSize(options.terminal.output);
  return new Promise((resolve, reject) => {
    client.shell({ ...size, term: options.term ?? 'xterm-256color' }, { env: options.env ?? {} }, (error, channel) => (error ? reject(error) : resolve(channel)));
  });
}

export async function runInteractiveShell(options: InteractiveShellOptions): Promise<ShellOutcome> {
  const { client } = await connectGatewaySsh(options.stream);
  options.onStep?.('ssh');
  const { input, output, error } = options.terminal;
  const wasRaw = input.isRaw ?? false;
  let channel: ClientChannel | undefined;
  const onResize = () => {
    const { rows, cols } = windowSize(output);
    channel?.setWindow(rows, cols, 0, 0);
  };
  try {
    channel = await openShell(options, client);
    options.onStep?.('shell');
    if (input.isTTY && input.setRawMode) input.setRawMode(true);
    output.on('resize', onResize);
    return await pump(channel, options.terminal, options.onStep);
  } finally {
    output.off('resize', onResize);
    if (channel) input.unpipe(channel);
    if (input.isTTY && input.setRawMode) input.setRawMode(wasRaw);
    input.pause();
    client.end();
    error.write('');
  }
}

function pump(channel: ClientChannel, terminal: ShellTerminal, onStep?: OnConnectStep): Promise<ShellOutcome> {
  return new Promise((resolve) => {
    const outcome: ShellOutcome = { exitCode: null, endedByGateway: true };
    terminal.input.pipe(channel);
    terminal.input.resume();
    channel.pipe(terminal.output, { end: false });
    if (onStep) channel.once('data', () => onStep('output'));
    channel.stderr.pipe(terminal.error, { end: false });
    channel.on('exit', (code: number | null, signal?: string) => {
      outcome.endedByGateway = false;
      outcome.exitCode = code;
      if (signal) outcome.signal = signal;
    });
    channel.once('close', () => resolve(outcome));
  });
}
