/**
 * `postern pam ssh access`: an interactive shell in this terminal, or with --local-port a port
 * on 127.0.0.1 for the user's own ssh, scp and sftp. Both go through the session's gateway,
 * which logs in to the target with the account's credential; the user never holds it.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { posternConfigDir } from '../../core/credentials-store.ts';
import type { ShellTerminal } from '../../core/ssh/interactive-shell.ts';
import { endSessionQuietly } from '../../core/session-end.ts';
import { openSshAccess, type SshAccess } from '../../core/ssh/ssh-access.ts';
import type { CliContext } from '../context.ts';
import { CommandExitCode, parseDuration, signalExitCode } from './ssh-duration.ts';

interface AccessOptions {
  resource: string;
  account: string;
  projectId: string;
  duration: string;
  localPort?: string;
}

/** ssh's own status for "the connection ended without the remote command's status". */
const NO_REMOTE_STATUS = 255;
/** The gateway's expiry timer and ours agree within this. */
const EXPIRY_TOLERANCE_MS = 2_000;

/**
 * The SSH code (ssh2 is the largest module the command loads) is imported when a command needs
 * it, not at start: `postern --help` and the other commands never load it, and `ssh access`
 * starts loading it while the server answers the session request.
 */
let sshCode: Promise<[typeof import('../../core/ssh/interactive-shell.ts'), typeof import('../../core/ssh/known-hosts.ts'), typeof import('../../core/ssh/local-forwarder.ts')]> | undefined;
function loadSshCode() {
  sshCode ??= Promise.all([import('../../core/ssh/interactive-shell.ts'), import('../../core/ssh/known-hosts.ts'), import('../../core/ssh/local-forwarder.ts')]);
  return sshCode;
}

export function registerSshCommands(pam: Command, context: CliContext): void {
  const ssh = pam.command('ssh').description('SSH access to servers through the gateway');
  ssh
    .command('access')
    .description('Open a shell on an SSH resource, or with --local-port serve it to your own ssh/scp/sftp')
    .requiredOption('--resource <name>', 'the SSH resource (see: postern pam resources list)')
    .requiredOption('--account <name>', 'the account on it to log in as')
    .requiredOption('--project-id <id>', 'the project (see: postern whoami)')
    .option('--duration <time>', 'how long the session lasts, e.g. 30m, 1h, 1h30m', '1h')
    .option('--local-port <port>', 'serve 127.0.0.1:PORT instead of opening a shell (0 picks a free port)')
    .action(async (options: AccessOptions) => {
      const durationSeconds = parseDuration(options.duration);
      const localPort = options.localPort === undefined ? undefined : parsePort(options.localPort);
      const mark = context.timings?.mark;
      mark?.('command');
      // The SSH code loads once the session request is on its way (step 'resource'), not before:
      // its CPU would delay the request, with no lookup round trip left to hide it.
      const onStep: typeof mark = (step) => {
        mark?.(step);
        if (step === 'resource') loadSshCode().catch(() => undefined); // awaited (and its failure reported) where the code is used
      };
      const api = await context.session.api();
      const access = await openSshAccess(api, { projectId: options.projectId, resource: options.resource, account: options.account, durationSeconds }, onStep);
      say(context, `Session ${access.sessionId}: ${access.accountName}@${access.resourceName} until ${access.expiresAt.toISOString()}.`);
      try {
        if (localPort === undefined) await runShellSession(context, access);
        else await serveLocalPort(context, access, localPort);
      } finally {
        // The user is done (exit, Ctrl-C, or a failure): end the session now so the gateway closes it
        // and completes the recording, instead of leaving it active until its end time.
        await endSessionQuietly(api, access.sessionId, (line) => say(context, line));
      }
    });
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`--local-port must be a port number (0-65535), not "${text}".`);
  return port;
}

function say(context: CliContext, line: string): void {
  context.terminal.error.write(`${line}\n`);
}

function expiryLine(access: SshAccess): string {
  return `Postern: session expired at ${access.expiresAt.toISOString()}. Run the same command again for a new session.`;
}

/** Runs until the remote shell ends; its exit status becomes this command's. */
export async function runShellSession(context: CliContext, access: SshAccess): Promise<void> {
  const onStep = context.timings?.mark;
  const [{ runInteractiveShell }] = await loadSshCode();
  const stream = await access.dial(onStep);
  const hangUp = () => stream.destroy();
  const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP'];
  for (const signal of signals) process.once(signal, hangUp);
  try {
    const outcome = await runInteractiveShell({ stream, terminal: context.terminal as unknown as ShellTerminal, ...(onStep ? { onStep } : {}) });
    if (outcome.endedByGateway) {
      const expired = Date.now() >= access.expiresAt.getTime() - EXPIRY_TOLERANCE_MS;
      say(context, expired ? expiryLine(access) : 'Postern: the gateway closed the session (an administrator may have terminated it, or the connection was lost).');
      throw new CommandExitCode(NO_REMOTE_STATUS);
    }
    const code = outcome.exitCode ?? (outcome.signal ? signalExitCode(outcome.signal) : NO_REMOTE_STATUS);
    if (code !== 0) throw new CommandExitCode(code);
  } finally {
    for (const signal of signals) process.off(signal, hangUp);
  }
}

function quoteArg(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}

/** Serves the port until Ctrl-C or the session's end. */
export async function serveLocalPort(context: CliContext, access: SshAccess, port: number): Promise<void> {
  const [, { readGatewayHostKey, writeKnownHost }, { serveLocalSshPort }] = await loadSshCode();
  const forwarder = await serveLocalSshPort({
    port,
    dial: () => access.dial(),
    onDialError: (error) => say(context, `Postern: a connection could not reach the gateway: ${error.message}`),
  });
  const knownHosts = join(posternConfigDir({ env: context.env, platform: process.platform, homeDir: homedir() }), 'ssh_known_hosts');
  try {
    await writeKnownHost(knownHosts, forwarder.host, forwarder.port, await readGatewayHostKey(await access.dial()));
  } catch (error) {
    await forwarder.close();
    throw error;
  }
  const hostOption = `-o UserKnownHostsFile=${quoteArg(knownHosts)}`;
  say(context, [
    `Listening on ${forwarder.host}:${forwarder.port}. Use it from another terminal:`,
    `  ssh -p ${forwarder.port} ${hostOption} postern@${forwarder.host}`,
    `  scp -P ${forwarder.port} ${hostOption} LOCAL_FILE postern@${forwarder.host}:REMOTE_PATH`,
    `  sftp -P ${forwarder.port} ${hostOption} postern@${forwarder.host}`,
    'Press Ctrl-C to end the session.',
  ].join('\n'));
  const reason = await untilStoppedOrExpired(access);
  await forwarder.close();
  say(context, reason === 'expired' ? expiryLine(access) : 'Postern: stopped serving the session.');
}

function untilStoppedOrExpired(access: SshAccess): Promise<'stopped' | 'expired'> {
  return new Promise((resolve) => {
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
    const finish = (reason: 'stopped' | 'expired') => {
      clearTimeout(timer);
      for (const signal of signals) process.off(signal, onSignal);
      resolve(reason);
    };
    const onSignal = () => finish('stopped');
    const timer = setTimeout(() => finish('expired'), Math.min(Math.max(0, access.expiresAt.getTime() - Date.now()), 2_147_483_647));
    for (const signal of signals) process.once(signal, onSignal);
  });
}
