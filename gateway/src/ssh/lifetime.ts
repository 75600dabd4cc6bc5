/**
 * The session's end: at `expiresAt`, or when the server ends it (an admin's termination, or the
 * user ending their own session from another terminal), every open channel is told
 * why in a line the user sees (the terminal for a PTY, stderr otherwise), then everything closes.
 * Channels opened after the end get the same line and close at once.
 */
import type { ServerChannel } from 'ssh2';
import { channelState, flushed } from './channel-pipe.ts';
import type { BridgeEndReason } from './context.ts';
import { endedByOf, type EndedBy } from './termination-watch.ts';

/** setTimeout cannot wait longer than 2^31-1 ms; longer sessions re-arm the timer. */
const MAX_TIMER_MS = 2_147_483_647;
/** How long the final line may take to reach the user before the transport is cut. */
const FAREWELL_LIMIT_MS = 1_000;

interface TrackedChannel {
  channel: ServerChannel;
  pty: boolean;
  /** Stops the target side so no more output follows the final line. */
  stopTarget(): void;
}

export function endMessage(reason: 'expired' | 'terminated', at: Date, endedBy: EndedBy = 'administrator'): string {
  if (reason === 'expired') return `Postern: session expired at ${at.toISOString()}; request a new session to continue.`;
  return endedBy === 'user'
    ? `Postern: session ended by you (postern pam sessions end) at ${at.toISOString()}.`
    : `Postern: session terminated by an administrator at ${at.toISOString()}.`;
}

export class SessionLifetime {
  private readonly channels = new Set<TrackedChannel>();
  private timer: NodeJS.Timeout | undefined;
  private ending: Promise<void> | undefined;
  reason: BridgeEndReason | undefined;
  message: string | undefined;

  constructor(
    private readonly expiresAt: Date,
    private readonly now: () => number,
    private readonly onEnded: (reason: 'expired' | 'terminated') => void,
    terminated?: AbortSignal,
  ) {
    if (terminated?.aborted) void this.end('terminated', endedByOf(terminated));
    else terminated?.addEventListener('abort', () => void this.end('terminated', endedByOf(terminated)), { once: true });
    if (!this.reason) this.arm();
  }

  private arm(): void {
    const left = this.expiresAt.getTime() - this.now();
    if (left <= 0) {
      void this.end('expired');
      return;
    }
    this.timer = setTimeout(() => this.arm(), Math.min(left, MAX_TIMER_MS));
  }

  /** Registers an open channel; returns the function that forgets it when it closes. */
  track(entry: TrackedChannel): () => void {
    this.channels.add(entry);
    return () => this.channels.delete(entry);
  }

  get ended(): boolean {
    return this.reason !== undefined;
  }

  /** Stops the timer when the connection closes first. */
  dispose(): void {
    clearTimeout(this.timer);
  }

  end(reason: 'expired' | 'terminated', endedBy: EndedBy = 'administrator'): Promise<void> {
    if (this.ending) return this.ending;
    clearTimeout(this.timer);
    this.reason = reason;
    this.message = endMessage(reason, reason === 'expired' ? this.expiresAt : new Date(this.now()), endedBy);
    this.ending = Promise.all([...this.channels].map((entry) => this.farewell(entry))).then(() => this.onEnded(reason));
    return this.ending;
  }

  /** Writes the end line on a channel and closes it. */
  async farewell(entry: TrackedChannel): Promise<void> {
    entry.stopTarget();
    const { channel, pty } = entry;
    if (channelState(channel) !== 'open') return;
    const line = pty ? `\r\n${this.message}\r\n` : `${this.message}\n`;
    const stream = pty ? channel : channel.stderr;
    stream.write(line);
    await Promise.race([flushed(stream, channel), new Promise((resolve) => setTimeout(resolve, FAREWELL_LIMIT_MS))]);
    channel.end();
  }
}
