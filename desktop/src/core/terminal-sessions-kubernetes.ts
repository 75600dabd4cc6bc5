/**
 * Connect on a Kubernetes account: the session's local proxy and kubeconfig (the app's own file
 * under its data folder, never the user's ~/.kube/config), and a shell tab with KUBECONFIG set.
 * The proxy and the kubeconfig go away at the session's end or on disconnect.
 */
import { randomUUID } from 'node:crypto';
import { PosternError } from '@postern/shared/errors';
import type { KubernetesConnection, TerminalTab } from '../common/session-types.ts';
import type { ApiClient } from './api-client.ts';
import { openKubernetesAccess, type KubernetesAccessRequest } from './kubernetes/kubernetes-access.ts';
import { startKubernetesSession, type KubernetesSession } from './kubernetes/kubernetes-session.ts';
import { sessionEndWarning } from './session-end.ts';
import type { LocalShellOptions } from './terminal-sessions-local.ts';
import type { TabAccess, TerminalSessions, TerminalSize } from './terminal-sessions.ts';

export type KubernetesTabAccess = TabAccess;
export type KubernetesOpener = (api: ApiClient, request: KubernetesAccessRequest) => Promise<KubernetesTabAccess>;

export interface KubernetesConnectionsOptions {
  /** Defaults to openKubernetesAccess (server session + relay + gateway). */
  openAccess?: KubernetesOpener;
  /** The app's data folder: kubeconfigs are written under it. */
  dataDir: string;
  /** The user's shell and its environment, without KUBECONFIG (added per connection). */
  shell: LocalShellOptions;
  terminals: TerminalSessions;
  onEnded(connectionId: string, reason: 'expired' | 'stopped'): void;
  /** The server could not be told the session ended (it still ends at its end time): the app's log. */
  warn?(line: string): void;
}

export class KubernetesConnectionGoneError extends PosternError {
  constructor(connectionId: string) {
    super('kubernetes_connection_gone', 404, 'This Kubernetes connection has already ended.', { connectionId });
  }
}

/** POSIX single-quoting: the path is pasted into a shell as one word whatever it contains. */
export function exportKubeconfigLine(path: string): string {
  return `export KUBECONFIG='${path.replaceAll("'", `'\\''`)}'`;
}

interface LiveConnection {
  session: KubernetesSession;
  tabId: string;
  /** Ends the server session, once; never rejects. */
  endSession(): Promise<void>;
}

export class KubernetesConnections {
  private readonly live = new Map<string, LiveConnection>();

  constructor(private readonly options: KubernetesConnectionsOptions) {}

  async connect(api: ApiClient, request: KubernetesAccessRequest, size: TerminalSize): Promise<KubernetesConnection> {
    const access = await (this.options.openAccess ?? openKubernetesAccess)(api, request);
    const endSession = this.sessionEnder(access);
    let session: KubernetesSession;
    try {
      session = await startKubernetesSession({
        sessionId: access.sessionId, resourceName: access.resourceName, expiresAt: access.expiresAt,
        openStream: () => access.dial(), kubeconfig: { mode: 'own', dataDir: this.options.dataDir },
      });
    } catch (error) {
      await endSession();
      throw error;
    }
    const connectionId = randomUUID();
    const { shell } = this.options;
    let tab: TerminalTab;
    try {
      // The tab is the connection's face: once its shell is gone (exit, or closed), the connection stops.
      tab = this.options.terminals.openLocal({
        ...shell, env: { ...shell.env, KUBECONFIG: session.kubeconfigPath },
        title: `kubectl · ${access.resourceName}`, sessionId: access.sessionId, expiresAt: access.expiresAt,
        onFinished: () => void this.stop(connectionId),
      }, size);
    } catch (error) {
      await Promise.all([session.stop(), endSession()]);
      throw error;
    }
    this.live.set(connectionId, { session, tabId: tab.tabId, endSession });
    void session.ended.then(async (reason) => {
      this.live.delete(connectionId);
      this.options.onEnded(connectionId, reason);
      await endSession();
    });
    return {
      connectionId, sessionId: access.sessionId, resourceName: access.resourceName, accountName: access.accountName,
      kubeconfigPath: session.kubeconfigPath, exportLine: exportKubeconfigLine(session.kubeconfigPath),
      proxyUrl: session.proxy.url, expiresAt: access.expiresAt.toISOString(), tab,
    };
  }

  async disconnect(connectionId: string): Promise<void> {
    if (!this.live.has(connectionId)) throw new KubernetesConnectionGoneError(connectionId);
    await this.stop(connectionId);
  }

  /** Closes the tab and the proxy, and ends the server session; stopping twice does nothing more. */
  private async stop(connectionId: string): Promise<void> {
    const entry = this.live.get(connectionId);
    if (!entry) return;
    this.options.terminals.close(entry.tabId);
    await Promise.all([entry.session.stop(), entry.endSession()]);
  }

  private sessionEnder(access: KubernetesTabAccess): () => Promise<void> {
    let ending: Promise<void> | undefined;
    return () => (ending ??= (access.end?.() ?? Promise.resolve()).then(
      () => undefined,
      (error: unknown) => this.options.warn?.(sessionEndWarning(access.sessionId, error)),
    ));
  }

  async disconnectAll(): Promise<void> {
    await Promise.all([...this.live.keys()].map((id) => this.disconnect(id).catch(() => undefined)));
  }
}
