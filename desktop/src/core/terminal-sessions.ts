/**
 * The app's live terminal tabs. A tab is plain data ({tab id, session id, size}); its bytes go
 * out through a sink (the bridge's `terminal.data` / `terminal.ended` events) and keystrokes
 * come in by tab id. SSH tabs drive a shell through the same gateway SSH client as the CLI; local
 * tabs (the Kubernetes shell) run a PTY on this machine.
 */
import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { ClientChannel } from 'ssh2';
import { PosternError } from '@postern/shared/errors';
import type { TerminalEnded, TerminalEndReason, TerminalTab } from '../common/session-types.ts';
import { connectGatewaySsh } from './ssh/gateway-ssh-client.ts';
import { sessionEndWarning } from './session-end.ts';
import { spawnLocalShell, type LocalShellOptions } from './terminal-sessions-local.ts';

export interface TerminalSink {
  data(tabId: string, data: string): void;
  ended(ended: TerminalEnded): void;
  /** A problem the user need not act on (the server could not be told a session ended): the app's log. */
  warn?(line: string): void;
}

/** What a tab needs from an opened session (openSshAccess and openKubernetesAccess give it). */
export interface TabAccess {
  sessionId: string;
  resourceName: string;
  accountName: string;
  expiresAt: Date;
  dial(): Promise<Duplex>;
  /** Ends the server session (session-end.ts); called once when the tab or connection is done with it. */
  end?(): Promise<unknown>;
}
export type SshTabAccess = TabAccess;

export interface TerminalSize { cols: number; rows: number }

/** The running side of a tab: what input, resize and close act on. */
export interface TerminalDriver {
  write(data: string): void;
  resize(size: TerminalSize): void;
  close(): void;
}

export class TerminalTabGoneError extends PosternError {
  constructor(tabId: string) {
    super('terminal_tab_gone', 404, 'This terminal has ended; use Reconnect to open a new session.', { tabId });
  }
}

/** Within this much of the session's end, a shell closed by the gateway is reported as expired. */
const EXPIRY_SLACK_MS = 3_000;

export class TerminalSessions {
  private readonly live = new Map<string, { tab: TerminalTab; driver: TerminalDriver }>();
  private readonly ending = new Set<Promise<void>>();

  constructor(private readonly sink: TerminalSink, private readonly now: () => number = Date.now) {}

  async openSsh(access: SshTabAccess, size: TerminalSize): Promise<TerminalTab> {
    const tab: TerminalTab = {
      tabId: randomUUID(), kind: 'ssh', sessionId: access.sessionId, title: `${access.accountName}@${access.resourceName}`,
      expiresAt: access.expiresAt.toISOString(), ...size,
    };
    // One tab is one session: whenever the tab is done (closed, exited, lost, failed to open), so is the session.
    const endSession = this.sessionEnder(access);
    let opened: Awaited<ReturnType<typeof openShell>>;
    try {
      opened = await openShell(access, size);
    } catch (error) {
      endSession();
      throw error;
    }
    const { client, channel } = opened;
    let closedByUser = false;
    let exitCode: number | null = null;
    this.attach(tab, {
      write: (data) => channel.write(data),
      resize: ({ cols, rows }) => channel.setWindow(rows, cols, 0, 0),
      close: () => { closedByUser = true; endSession(); channel.close(); client.end(); },
    });
    const decode = utf8Stream();
    channel.on('data', (chunk: Buffer) => this.emitData(tab.tabId, decode(chunk)));
    channel.stderr.on('data', (chunk: Buffer) => this.emitData(tab.tabId, decode(chunk)));
    channel.on('exit', (code: number | null) => { exitCode = code; });
    const done = () => {
      endSession();
      this.finish(tab, this.sshEndReason(access.expiresAt, closedByUser, exitCode), exitCode);
    };
    channel.once('close', () => {
      client.end();
      done();
    });
    client.once('close', done);
    return tab;
  }

  /**
   * A tab on a local shell. `onFinished` runs once the shell is gone, however it went (the
   * Kubernetes connection behind the tab stops then).
   */
  openLocal(options: LocalShellOptions & { title: string; sessionId: string | null; expiresAt: Date | null; onFinished?: () => void }, size: TerminalSize): TerminalTab {
    const tab: TerminalTab = {
      tabId: randomUUID(), kind: 'local', sessionId: options.sessionId, title: options.title,
      expiresAt: options.expiresAt?.toISOString() ?? null, ...size,
    };
    let closedByUser = false;
    const shell = spawnLocalShell(options, size, {
      data: (data) => this.emitData(tab.tabId, data),
      exit: (code) => {
        this.finish(tab, closedByUser ? 'closed' : 'exited', code);
        options.onFinished?.();
      },
    });
    this.attach(tab, { ...shell, close: () => { closedByUser = true; shell.close(); } });
    return tab;
  }

  input(tabId: string, data: string): void {
    this.driverOf(tabId).write(data);
  }

  /** Resizing a tab that already ended is not an error: the window may still be resized. */
  resize(tabId: string, size: TerminalSize): void {
    const entry = this.live.get(tabId);
    if (!entry) return;
    entry.tab.cols = size.cols;
    entry.tab.rows = size.rows;
    entry.driver.resize(size);
  }

  close(tabId: string): void {
    this.live.get(tabId)?.driver.close();
  }

  closeAll(): void {
    for (const { driver } of this.live.values()) driver.close();
  }

  /** Resolves once every session end already asked for has been told to the server (or given up on). */
  async settled(): Promise<void> {
    await Promise.all([...this.ending]);
  }

  get openTabs(): TerminalTab[] {
    return [...this.live.values()].map(({ tab }) => ({ ...tab }));
  }

  private attach(tab: TerminalTab, driver: TerminalDriver): void {
    this.live.set(tab.tabId, { tab, driver });
  }

  private driverOf(tabId: string): TerminalDriver {
    const entry = this.live.get(tabId);
    if (!entry) throw new TerminalTabGoneError(tabId);
    return entry.driver;
  }

  /** Ends the tab's server session at most once; the call is tracked so quitting can wait for it. */
  private sessionEnder(access: SshTabAccess): () => void {
    let asked = false;
    return () => {
      if (asked || !access.end) return;
      asked = true;
      const ending: Promise<void> = access.end().then(
        () => undefined,
        (error: unknown) => this.sink.warn?.(sessionEndWarning(access.sessionId, error)),
      ).finally(() => this.ending.delete(ending));
      this.ending.add(ending);
    };
  }

  private emitData(tabId: string, data: string): void {
    if (data) this.sink.data(tabId, data);
  }

  private sshEndReason(expiresAt: Date, closedByUser: boolean, exitCode: number | null): TerminalEndReason {
    if (closedByUser) return 'closed';
    if (exitCode !== null) return 'exited';
    return this.now() >= expiresAt.getTime() - EXPIRY_SLACK_MS ? 'expired' : 'ended-by-gateway';
  }

  /** Reports a tab's end once, however many close events arrive. */
  private finish(tab: TerminalTab, reason: TerminalEndReason, exitCode: number | null): void {
    if (!this.live.delete(tab.tabId)) return;
    this.sink.ended({ tabId: tab.tabId, reason, exitCode, message: endMessage(reason, exitCode) });
  }
}

export function endMessage(reason: TerminalEndReason, exitCode: number | null): string {
  switch (reason) {
    case 'exited': return `The shell exited${exitCode === null ? '' : ` with status ${exitCode}`}.`;
    case 'expired': return 'The session expired. Reconnect to start a new one.';
    case 'ended-by-gateway': return 'The gateway ended the session (terminated by an administrator, or the connection was lost). Reconnect to start a new one.';
    case 'closed': return 'You closed this terminal.';
    case 'failed': return 'The terminal could not be opened.';
  }
}

async function openShell(access: SshTabAccess, size: TerminalSize): Promise<{ client: Awaited<ReturnType<typeof connectGatewaySsh>>['client']; channel: ClientChannel }> {
  const { client } = await connectGatewaySsh(await access.dial());
  // A lost connection emits an error and then close; the close reports how the tab ended.
  client.on('error', () => undefined);
  try {
    const channel = await new Promise<ClientChannel>((resolve, reject) => {
      client.shell({ ...size, term: 'xterm-256color' }, (error, opened) => (error ? reject(error) : resolve(opened)));
    });
    return { client, channel };
  } catch (error) {
    client.end();
    throw error;
  }
}

/** Decodes a byte stream as UTF-8, keeping a character split between two chunks whole. */
function utf8Stream(): (chunk: Buffer) => string {
  const decoder = new TextDecoder('utf-8');
  return (chunk) => decoder.decode(chunk, { stream: true });
}
