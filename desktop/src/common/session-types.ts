/**
 * Shapes of live terminal tabs, Kubernetes connections and recorded sessions as they cross the
 * bridge (the core parses the server's answers in core/recordings/sessions-api.ts).
 */

/** A terminal tab is plain data; xterm only renders it (Teleport's terminal "document"). */
export interface TerminalTab {
  tabId: string;
  kind: 'ssh' | 'local';
  /** The Postern session behind an SSH tab; the Kubernetes session a local shell belongs to. */
  sessionId: string | null;
  title: string;
  /** When the session ends (ISO time); null for a shell with no end. */
  expiresAt: string | null;
  cols: number;
  rows: number;
}

export type TerminalEndReason = 'exited' | 'expired' | 'ended-by-gateway' | 'closed' | 'failed';

export interface TerminalEnded {
  tabId: string;
  reason: TerminalEndReason;
  exitCode: number | null;
  message: string;
}

export interface KubernetesConnection {
  connectionId: string;
  sessionId: string;
  resourceName: string;
  accountName: string;
  kubeconfigPath: string;
  /** The line to paste in another terminal: `export KUBECONFIG='…'`. */
  exportLine: string;
  proxyUrl: string;
  expiresAt: string;
  /** A shell with KUBECONFIG set, opened with the connection. */
  tab: TerminalTab;
}

/** A session as the reviewer's list shows it (the server's SessionSummary). */
export interface RecordedSession {
  sessionId: string;
  projectId: string;
  status: 'active' | 'expired' | 'ended' | 'terminated';
  startedAt: string;
  expiresAt: string;
  endedAt: string | null;
  user: { id: string; email: string } | null;
  resource: { id: string; name: string; type: 'ssh' | 'kubernetes' } | null;
  account: { id: string; name: string; username: string | null } | null;
  recording: { terminals: number; events: number; complete: boolean; exitCode: number | null } | null;
}

/** Where the next page of the session list starts: the server's keyset cursor (startedAt, id). */
export interface SessionPageCursor {
  before: string;
  beforeId: string;
}

/** One page of the session list, newest first; next is null on the last page. */
export interface SessionPage {
  sessions: RecordedSession[];
  next: SessionPageCursor | null;
}

export interface RecordedTerminal {
  terminal: number;
  /** The exec command; null for an interactive shell. */
  command: string | null;
  cols: number;
  rows: number;
  openedAt: string;
  closedAt: string | null;
  exitCode: number | null;
  durationSeconds: number;
}

/** What a recording holds, without its events: the player loads one terminal at a time. */
export interface RecordingIndex {
  complete: boolean;
  missingChunks: number[];
  terminals: RecordedTerminal[];
}

export interface KubernetesAction { at: string; verb: string; path: string; status: number; durationMs: number }

export interface KubernetesCommandRun {
  command: string;
  startedAt: string;
  endedAt: string;
  requests: number;
  failed: number;
  actions: KubernetesAction[];
}
