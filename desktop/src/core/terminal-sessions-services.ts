/**
 * The live services behind Connect, built once by the composition root (Electron main, the dev
 * bridge) and handed to the bridge handlers: terminal tabs and Kubernetes connections whose
 * output goes out as bridge events.
 */
import type { BridgeEvent, BridgeEvents } from '../common/bridge.ts';
import type { ApiClient } from './api-client.ts';
import { openSshAccess, type SshAccessRequest } from './ssh/ssh-access.ts';
import { KubernetesConnections, type KubernetesOpener } from './terminal-sessions-kubernetes.ts';
import type { LocalShellOptions } from './terminal-sessions-local.ts';
import { TerminalSessions, type SshTabAccess } from './terminal-sessions.ts';

export type BridgeEmitter = <E extends BridgeEvent>(event: E, payload: BridgeEvents[E]) => void;
export type SshOpener = (api: ApiClient, request: SshAccessRequest) => Promise<SshTabAccess>;

export interface LiveServices {
  terminals: TerminalSessions;
  kubernetes: KubernetesConnections;
  openSsh: SshOpener;
  /** Ends every tab and connection and their sessions (the app is quitting, or the user signed out); bounded by the session-end timeout. */
  close(): Promise<void>;
}

export interface LiveServicesOptions {
  emit: BridgeEmitter;
  dataDir: string;
  shell: LocalShellOptions;
  /** Defaults to openSshAccess (server session + relay + gateway). */
  openSsh?: SshOpener;
  /** Defaults to openKubernetesAccess. */
  openKubernetes?: KubernetesOpener;
  /** Where lines for the app's log go (a session the server could not be told ended); default stderr. */
  warn?: (line: string) => void;
}

export function createLiveServices(options: LiveServicesOptions): LiveServices {
  const warn = options.warn ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const terminals = new TerminalSessions({
    data: (tabId, data) => options.emit('terminal.data', { tabId, data }),
    ended: (ended) => options.emit('terminal.ended', ended),
    warn,
  });
  const kubernetes = new KubernetesConnections({
    dataDir: options.dataDir, shell: options.shell, terminals, ...(options.openKubernetes ? { openAccess: options.openKubernetes } : {}),
    onEnded: (connectionId, reason) => options.emit('kubernetes.ended', { connectionId, reason }),
    warn,
  });
  return {
    terminals, kubernetes, openSsh: options.openSsh ?? openSshAccess,
    close: async () => {
      terminals.closeAll();
      await kubernetes.disconnectAll();
      await terminals.settled();
    },
  };
}
