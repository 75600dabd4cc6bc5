/**
 * Joins one client-side session channel (ssh2 Server) to its target-side channel (ssh2 Client):
 * stdout, stderr and stdin with backpressure, EOF both ways, and the exit status or signal
 * passed back only after the output before it has been written — a server channel closes as
 * soon as it is ended, so ending it early would drop the exit status.
 */
import type { Writable } from 'node:stream';
import type { RecorderFlow } from '@postern/shared/recording/recorder';
import type { ClientChannel, ServerChannel } from 'ssh2';
import { holdWhileBehind } from '../recording/hold-while-behind.ts';

/** ssh2 keeps the channel's SSH state (open, eof, closing, closed) in an untyped field. */
export function channelState(channel: ServerChannel | ClientChannel): string {
  return (channel as unknown as { outgoing?: { state?: string } }).outgoing?.state ?? 'closed';
}

export type TargetExit =
  | { kind: 'status'; code: number }
  | { kind: 'signal'; signal: string; coreDumped: boolean; description: string };

export interface PipeHooks {
  /** Bytes from the target (stdout and stderr) toward the user. */
  output?(data: Buffer): void;
  /** Bytes from the user toward the target. */
  input?(data: Buffer): void;
  /** Both sides are done; exit is what the target reported, if anything. */
  closed?(exit: TargetExit | undefined): void;
  /** The recorder's backpressure: output is not read from the target while the recorder is behind. */
  flow?: RecorderFlow;
}

const FLUSH_LIMIT_MS = 2_000;

/** Resolves once what was written so far has gone out (or the channel cannot send any more). */
export function flushed(stream: Writable, channel: ServerChannel): Promise<void> {
  if (!stream.writableLength || channelState(channel) !== 'open') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, FLUSH_LIMIT_MS);
    stream.write(Buffer.alloc(0), () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export function pipeChannels(client: ServerChannel, target: ClientChannel, hooks: PipeHooks = {}): void {
  let done = false;
  // Hooks see each chunk before it is forwarded: over an in-process stream the peer may answer
  // synchronously inside the write, and the SFTP log must see a request before its response.
  if (hooks.output) {
    target.on('data', hooks.output);
    target.stderr.on('data', hooks.output);
  }
  if (hooks.input) client.on('data', hooks.input);
  const outputs = [
    { source: target, destination: client, connect: () => target.pipe(client, { end: false }) },
    { source: target.stderr, destination: client.stderr, connect: () => target.stderr.pipe(client.stderr, { end: false }) },
  ];
  for (const pipe of outputs) pipe.connect();
  client.pipe(target);
  const output = hooks.output && hooks.flow ? holdWhileBehind(outputs, hooks.flow, () => channelState(client) === 'open') : undefined;

  const finish = async (exit: TargetExit | undefined) => {
    if (done) return;
    done = true;
    // Output held for the recorder is still the user's: it goes out before the exit status.
    await output?.released();
    await Promise.all([flushed(client, client), flushed(client.stderr, client)]);
    if (exit?.kind === 'status') client.exit(exit.code);
    else if (exit?.kind === 'signal') client.exit(exit.signal, exit.coreDumped, exit.description);
    client.end();
    hooks.closed?.(exit);
  };
  // ssh2 repeats the exit status or signal on the target channel's 'close' (the 'exit' event may
  // fire before this function runs when a fast command's replies arrive in one read).
  target.once('close', (code?: number | null, signal?: string, coreDumped?: boolean, description?: string) => void finish(exitFrom(code, signal, coreDumped, description)));
  client.once('close', () => {
    target.close();
    void finish(undefined);
  });
}

function exitFrom(code: number | null | undefined, signal?: string, coreDumped?: boolean, description?: string): TargetExit | undefined {
  if (typeof code === 'number') return { kind: 'status', code };
  if (code === null && signal) return { kind: 'signal', signal, coreDumped: Boolean(coreDumped), description: description ?? '' };
  return undefined;
}
