/**
 * One client `session` channel: PTY and window changes, a limited set of environment variables,
 * then a shell, an exec (scp included) or the sftp subsystem, each opened on the target and
 * joined to the client, and reported to the recorder. Agent and X11 forwarding are refused.
 */
import type { Client as Ssh2Client, ClientChannel, PseudoTtyInfo, ServerChannel, Session } from 'ssh2';
import { SftpEventLog } from '@postern/shared/ssh/sftp-events';
import { pipeChannels, type TargetExit } from './channel-pipe.ts';
import type { BridgeOptions } from './context.ts';
import type { SessionLifetime } from './lifetime.ts';

/** Variables a client may pass to the target when the context sets none: locale and colour hints. */
export const DEFAULT_ENV_ALLOW_LIST: readonly string[] = ['LANG', 'LC_*', 'TZ', 'COLORTERM'];
const MAX_ENV_VARS = 32;
const MAX_ENV_VALUE_BYTES = 1_024;

export interface SessionChannelDeps {
  ctx: BridgeOptions;
  /** The target login, started when the client authenticated; rejects with a user-safe error. */
  target: () => Promise<Ssh2Client>;
  lifetime: SessionLifetime;
}

type Start =
  | { kind: 'shell' }
  | { kind: 'exec'; command: string }
  | { kind: 'sftp' };

function envAllowed(name: string, allowList: readonly string[]): boolean {
  return allowList.some((pattern) => (pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern));
}

function exitCodeOf(exit: TargetExit | undefined): number | null {
  return exit?.kind === 'status' ? exit.code : null;
}

/** Legacy scp (`scp -O`) runs as `scp -t`/`scp -f` on the target: its output is file data, not a terminal. */
function isScpCommand(command: string): boolean {
  return /^\s*scp\s/.test(command);
}

/** What the client asked for on this session channel before starting it. */
interface ChannelRequests {
  pty: PseudoTtyInfo | undefined;
  env: Record<string, string>;
  /** Set once the target's channel is joined: window changes then go straight to it. */
  joined: boolean;
}

export function handleSessionChannel(session: Session, deps: SessionChannelDeps): void {
  const { ctx } = deps;
  const requests: ChannelRequests = { pty: undefined, env: {}, joined: false };
  const allowList = ctx.envAllowList ?? DEFAULT_ENV_ALLOW_LIST;

  session.on('pty', (accept, _reject, info) => {
    requests.pty = info;
    accept?.();
  });
  session.on('env', (accept, reject, info) => {
    const ok = envAllowed(info.key, allowList) && Object.keys(requests.env).length < MAX_ENV_VARS && Buffer.byteLength(info.val) <= MAX_ENV_VALUE_BYTES;
    if (ok) requests.env[info.key] = info.val;
    (ok ? accept : reject)?.();
  });
  session.on('auth-agent', (_accept, reject) => {
    ctx.logger.info({ sessionId: ctx.sessionId, allowed: ctx.allow.agentForwarding }, 'ssh agent forwarding refused');
    reject?.();
  });
  session.on('x11', (_accept, reject) => reject?.());
  // The shell is accepted before the target's is open (credentials, connect): a client that fits
  // its terminal right away resizes in that gap. Keep the size; startChannel applies it.
  session.on('window-change', (accept, _reject, info) => {
    if (requests.joined) return;
    if (requests.pty) Object.assign(requests.pty, { rows: info.rows, cols: info.cols, height: info.height, width: info.width });
    accept?.();
  });
  session.on('shell', (accept) => void startChannel(session, accept(), { kind: 'shell' }, requests, deps));
  session.on('exec', (accept, _reject, info) => void startChannel(session, accept(), { kind: 'exec', command: info.command }, requests, deps));
  session.on('subsystem', (accept, reject, info) => {
    if (info.name !== 'sftp') return reject?.();
    void startChannel(session, accept(), { kind: 'sftp' }, requests, deps);
  });
}

/** Opens the same thing on the target, joins the two channels, and passes window changes and signals on. */
async function startChannel(session: Session, channel: ServerChannel | undefined, what: Start, requests: ChannelRequests, deps: SessionChannelDeps): Promise<void> {
  if (!channel) return;
  const { pty } = requests;
  const stopTarget = { fn: () => {} };
  const tracked = { channel, pty: Boolean(pty) && what.kind !== 'sftp', stopTarget: () => stopTarget.fn() };
  channel.once('close', deps.lifetime.track(tracked));
  // A channel opened after the end is told why, like the ones open at the end.
  if (deps.lifetime.ended) return void deps.lifetime.farewell(tracked);
  let targetChannel: ClientChannel;
  const asked = pty && { cols: pty.cols, rows: pty.rows };
  try {
    targetChannel = await openOnTarget(await deps.target(), what, pty, requests.env);
  } catch (error) {
    refuse(channel, (error as Error).message, Boolean(pty));
    return;
  }
  if (deps.lifetime.ended) {
    targetChannel.close();
    return void deps.lifetime.farewell(tracked);
  }
  stopTarget.fn = () => {
    targetChannel.unpipe();
    targetChannel.stderr.unpipe();
    targetChannel.close();
  };
  requests.joined = true;
  // A resize that came while the target's channel was opening: the recording starts at this size.
  if (pty && asked && (pty.cols !== asked.cols || pty.rows !== asked.rows)) targetChannel.setWindow(pty.rows, pty.cols, pty.height, pty.width);
  const recordResize = joinAndRecord(channel, targetChannel, what, pty, deps);
  session.on('window-change', (accept, _reject, info) => {
    targetChannel.setWindow(info.rows, info.cols, info.height, info.width);
    recordResize(info.cols, info.rows);
    accept?.();
  });
  session.on('signal', (accept, _reject, info) => {
    targetChannel.signal(info.name);
    accept?.();
  });
}

function openOnTarget(target: Ssh2Client, what: Start, pty: PseudoTtyInfo | undefined, env: Record<string, string>): Promise<ClientChannel> {
  const ptyOptions = pty ? { rows: pty.rows, cols: pty.cols, height: pty.height, width: pty.width, term: pty.term, modes: pty.modes } : undefined;
  return new Promise((resolve, reject) => {
    const done = (error: Error | undefined, channel: ClientChannel) => (error ? reject(new Error(`the target refused the ${what.kind} request (${error.message})`)) : resolve(channel));
    if (what.kind === 'shell') target.shell(ptyOptions ?? false, { env }, done);
    else if (what.kind === 'exec') target.exec(what.command, { env, ...(ptyOptions ? { pty: ptyOptions } : {}) }, done);
    else target.subsys('sftp', done);
  });
}

/** Tells the user why the channel cannot open (no credential in it) and closes with status 255 like ssh does. */
function refuse(channel: ServerChannel, message: string, pty: boolean): void {
  const stream = pty ? channel : channel.stderr;
  stream.write(pty ? `\r\n${message}\r\n` : `${message}\n`);
  channel.exit(255);
  channel.end();
}

/** Returns where window changes are recorded (nothing for sftp and scp). */
function joinAndRecord(channel: ServerChannel, target: ClientChannel, what: Start, pty: PseudoTtyInfo | undefined, deps: SessionChannelDeps): (cols: number, rows: number) => void {
  const { ctx } = deps;
  const size = { cols: pty?.cols ?? 80, rows: pty?.rows ?? 24 };
  if (what.kind === 'sftp') {
    const log = new SftpEventLog(
      (event) => ctx.recorder.event({ type: 'ssh.sftp', ...event }),
      (reason) => ctx.logger.warn({ sessionId: ctx.sessionId, reason }, 'sftp stream not parsed further'),
    );
    pipeChannels(channel, target, {
      input: (data) => log.clientBytes(data),
      output: (data) => log.serverBytes(data),
      closed: () => log.end(),
    });
    ctx.logger.info({ sessionId: ctx.sessionId, kind: 'sftp' }, 'ssh channel opened');
    return () => {};
  }
  if (what.kind === 'exec' && isScpCommand(what.command)) {
    const bytes = { in: 0, out: 0 };
    pipeChannels(channel, target, {
      input: (data) => { bytes.in += data.length; },
      output: (data) => { bytes.out += data.length; },
      closed: (exit) => ctx.recorder.event({ type: 'ssh.exec', command: what.command, exitCode: exitCodeOf(exit), bytesToTarget: bytes.in, bytesFromTarget: bytes.out }),
    });
    return () => {};
  }
  const terminal = ctx.recorder.openTerminal({ ...size, ...(what.kind === 'exec' ? { command: what.command } : {}), ...(pty ? { term: pty.term } : {}) });
  pipeChannels(channel, target, {
    output: (data) => terminal.output(data),
    input: (data) => terminal.input(data),
    ...(ctx.recorder.flow ? { flow: ctx.recorder.flow } : {}),
    closed: (exit) => {
      terminal.close(exitCodeOf(exit));
      if (what.kind === 'exec') ctx.recorder.event({ type: 'ssh.exec', command: what.command, exitCode: exitCodeOf(exit), ...(exit?.kind === 'signal' ? { signal: exit.signal } : {}) });
    },
  });
  ctx.logger.info({ sessionId: ctx.sessionId, kind: what.kind }, 'ssh channel opened');
  return (cols, rows) => terminal.resize(cols, rows);
}
