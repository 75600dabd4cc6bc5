/**
 * Connect on a Kubernetes account: the session's local proxy and kubeconfig (the app's own file
 * under its data folder, never the user's ~/.kube/config), and a shell tab with KUBECONFIG set.
 * The proxy and the kubeconfig go away at the session's end or on disconnect.
 */
import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { PosternError } from '@postern/shared/errors';
import type { KubernetesConnection } from '../common/session-types.ts';
import type { ApiClient } from './api-client.ts';
import { openKubernetesAccess, type KubernetesAccessRequest } from './kubernetes/kubernetes-access.ts';
import { startKubernetesSession, type KubernetesSession } from './kubernetes/kubernetes-session.ts';
import type { LocalShellOptions } from './terminal-sessions-local.ts';
import type { TerminalSessions, TerminalSize } from './terminal-sessions.ts';

/** What a connection needs from an opened session (openKubernetesAccess gives it). */
export interface KubernetesTabAccess {
  sessionId: string;
  resourceName: string;
  accountName: string;
  expiresAt: Date;
  dial(): Promise<Duplex>;
}
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

export class KubernetesConnections {
  private readonly live = new Map<string, { session: KubernetesSession; tabId: string }>();

  constructor(private readonly options: KubernetesConnectionsOptions) {}

  async connect(api: ApiClient, request: KubernetesAccessRequest, size: TerminalSize): Promise<KubernetesConnection> {
    const access = await (this.options.openAccess ?? openKubernetesAccess)(api, request);
    const session = await startKubernetesSession({
      sessionId: access.sessionId, resourceName: access.resourceName, expiresAt: access.expiresAt,
      openStream: () => access.dial(), kubeconfig: { mode: 'own', dataDir: this.options.dataDir },
    });
    const connectionId = randomUUID();
    const { shell } = this.options;
    const tab = this.options.terminals.openLocal({
      ...shell, env: { ...shell.env, KUBECONFIG: session.kubeconfigPath },
      title: `kubectl · ${access.resourceName}`, sessionId: access.sessionId, expiresAt: access.expiresAt,
    }, size);
    this.live.set(connectionId, { session, tabId: tab.tabId });
    void session.ended.then((reason) => {
      this.live.delete(connectionId);
      this.options.onEnded(connectionId, reason);
    });
    return {
      connectionId, sessionId: access.sessionId, resourceName: access.resourceName, accountName: access.accountName,
      kubeconfigPath: session.kubeconfigPath, exportLine: exportKubeconfigLine(session.kubeconfigPath),
      proxyUrl: session.proxy.url, expiresAt: access.expiresAt.toISOString(), tab,
    };
  }

  async disconnect(connectionId: string): Promise<void> {
    const entry = this.live.get(connectionId);
    if (!entry) throw new KubernetesConnectionGoneError(connectionId);
    this.options.terminals.close(entry.tabId);
    await entry.session.stop();
  }

  async disconnectAll(): Promise<void> {
    await Promise.all([...this.live.keys()].map((id) => this.disconnect(id).catch(() => undefined)));
  }
}
