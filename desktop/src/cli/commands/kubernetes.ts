/**
 * `postern pam kubernetes access`: a local proxy for kubectl on 127.0.0.1 and a kubeconfig that
 * points at it (Postern's own file, or with --merge a context in the user's kubeconfig). The
 * gateway adds the account's service-account token; the user never holds it.
 */
import { homedir } from 'node:os';
import type { Command } from 'commander';
import { posternConfigDir } from '../../core/credentials-store.ts';
import { openKubernetesAccess } from '../../core/kubernetes/kubernetes-access.ts';
import { endSessionQuietly } from '../../core/session-end.ts';
import type { KubeconfigPlacement, KubernetesSession } from '../../core/kubernetes/kubernetes-session.ts';
import type { CliContext } from '../context.ts';
import { parseDuration } from './ssh-duration.ts';

interface AccessOptions {
  resource: string;
  account: string;
  projectId: string;
  duration: string;
  kubeconfig?: string;
  merge?: boolean;
  port?: string;
  namespace?: string;
}

function say(context: CliContext, line: string): void {
  context.terminal.error.write(`${line}\n`);
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`--port must be a port number (0-65535), not "${text}".`);
  return port;
}

function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}

async function placement(context: CliContext, options: AccessOptions): Promise<KubeconfigPlacement> {
  if (options.merge) {
    const { userKubeconfigPath } = await import('../../core/kubernetes/kubeconfig.ts');
    return { mode: 'merge', path: options.kubeconfig ?? userKubeconfigPath(context.env, homedir()) };
  }
  const dataDir = posternConfigDir({ env: context.env, platform: process.platform, homeDir: homedir() });
  return { mode: 'own', dataDir, ...(options.kubeconfig ? { path: options.kubeconfig } : {}) };
}

/** What to run next. Only the export line goes to stdout, so a script can capture it apart from the messages. */
function announce(context: CliContext, session: KubernetesSession, merged: boolean): void {
  say(context, `Kubernetes proxy listening on ${session.proxy.url}.`);
  if (merged) {
    say(context, `Added context "${session.contextName}" to ${session.kubeconfigPath} and made it current; it is removed again when this command ends.`);
    say(context, `Use it from another terminal: kubectl --context ${session.contextName} get pods`);
  } else {
    say(context, `Kubeconfig: ${session.kubeconfigPath}`);
    say(context, 'Use it from another terminal:');
    context.terminal.output.write(`export KUBECONFIG=${shellQuote(session.kubeconfigPath)}\n`);
  }
  say(context, 'Press Ctrl-C to end the session.');
}

/** Resolves on Ctrl-C (or SIGTERM/SIGHUP) or when the session expires. */
function untilStopped(session: KubernetesSession): Promise<'stopped' | 'expired'> {
  return new Promise((resolve) => {
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
    const finish = (reason: 'stopped' | 'expired') => {
      for (const signal of signals) process.off(signal, onSignal);
      resolve(reason);
    };
    const onSignal = () => finish('stopped');
    for (const signal of signals) process.once(signal, onSignal);
    void session.ended.then(finish);
  });
}

export async function runKubernetesAccess(context: CliContext, options: AccessOptions): Promise<'stopped' | 'expired'> {
  const durationSeconds = parseDuration(options.duration);
  const port = options.port === undefined ? 0 : parsePort(options.port);
  // The proxy and kubeconfig code (with the yaml parser) loads only for this command, while the server answers.
  const sessionCode = import('../../core/kubernetes/kubernetes-session.ts');
  sessionCode.catch(() => undefined);
  const api = await context.session.api();
  const access = await openKubernetesAccess(api, { projectId: options.projectId, resource: options.resource, account: options.account, durationSeconds });
  say(context, `Session ${access.sessionId}: ${access.accountName}@${access.resourceName} until ${access.expiresAt.toISOString()}.`);
  const { startKubernetesSession } = await sessionCode;
  const endNow = () => endSessionQuietly(api, access.sessionId, (line) => say(context, line));
  let session: KubernetesSession;
  try {
    session = await startKubernetesSession({
      sessionId: access.sessionId, resourceName: access.resourceName, expiresAt: access.expiresAt, openStream: () => access.dial(),
      kubeconfig: await placement(context, options), port, ...(options.namespace ? { namespace: options.namespace } : {}),
      onError: (error) => say(context, `Postern: a kubectl connection could not reach the gateway: ${error instanceof Error ? error.message : String(error)}`),
    });
  } catch (error) {
    await endNow(); // no proxy came up (port taken, kubeconfig exists): the session has no use
    throw error;
  }
  announce(context, session, options.merge === true);
  const reason = await untilStopped(session);
  await session.stop();
  // Ctrl-C: end the session now so the gateway completes the recording; an expired one is over already.
  if (reason === 'stopped') await endNow();
  say(context, reason === 'expired'
    ? `Postern: session expired at ${access.expiresAt.toISOString()}; the proxy is closed and the kubeconfig removed. Run the same command again for a new session.`
    : 'Postern: session ended; the proxy is closed and the kubeconfig removed.');
  return reason;
}

export function registerKubernetesCommands(pam: Command, context: CliContext): void {
  const kubernetes = pam.command('kubernetes').description('Kubernetes access to clusters through the gateway');
  kubernetes
    .command('access')
    .description('Serve a Kubernetes resource to your kubectl on 127.0.0.1, with a kubeconfig pointing at it')
    .requiredOption('--resource <name>', 'the Kubernetes resource (see: postern pam resources list)')
    .requiredOption('--account <name>', 'the account (service account) to act as')
    .requiredOption('--project-id <id>', 'the project (see: postern whoami)')
    .option('--duration <time>', 'how long the session lasts, e.g. 30m, 1h, 1h30m', '1h')
    .option('--kubeconfig <path>', 'write the kubeconfig here (with --merge: merge into this file)')
    .option('--merge', "add a context to your kubeconfig (KUBECONFIG or ~/.kube/config) instead of writing Postern's own file")
    .option('--port <port>', 'the local proxy port (default: a free one)')
    .option('--namespace <name>', "the context's default namespace")
    .action(async (options: AccessOptions) => {
      await runKubernetesAccess(context, options);
    });
}
