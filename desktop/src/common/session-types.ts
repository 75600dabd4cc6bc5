import { z } from 'zod';

/**
 * Shapes of live terminal tabs, Kubernetes connections and recorded sessions as they cross the
 * bridge. Pure zod (the core parses the server's answers with it; the renderer shares the types).
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

const zNamed = z.object({ id: z.string(), name: z.string() });

export const zRecordedSession = z.object({
  sessionId: z.string(),
  projectId: z.string(),
  status: z.enum(['active', 'expired', 'ended', 'terminated']),
  startedAt: z.string(),
  expiresAt: z.string(),
  endedAt: z.string().nullable(),
  user: z.object({ id: z.string(), email: z.string() }).nullable(),
  resource: zNamed.extend({ type: z.enum(['ssh', 'kubernetes']) }).nullable(),
  account: zNamed.extend({ username: z.string().nullable() }).nullable(),
  recording: z.object({
    chunks: z.number(), terminalBytes: z.number(), terminals: z.number(), events: z.number(),
    exitCode: z.number().nullable(), complete: z.boolean(), firstAt: z.string().nullable(), lastAt: z.string().nullable(),
  }).nullable(),
});
export type RecordedSession = z.infer<typeof zRecordedSession>;
export const zRecordedSessionList = z.object({ sessions: z.array(zRecordedSession), nextBefore: z.string().nullable() });

export const zRecordedTerminal = z.object({
  terminal: z.number(),
  command: z.string().nullable(),
  cols: z.number(),
  rows: z.number(),
  openedAt: z.string(),
  closedAt: z.string().nullable(),
  exitCode: z.number().nullable(),
  durationSeconds: z.number(),
});
export type RecordedTerminal = z.infer<typeof zRecordedTerminal>;
export const zRecordingEvents = z.object({ complete: z.boolean(), missingChunks: z.array(z.number()), terminals: z.array(zRecordedTerminal) });
export type RecordingIndex = z.infer<typeof zRecordingEvents>;

const zKubernetesAction = z.object({
  at: z.string(), verb: z.string(), method: z.string(), path: z.string(), namespace: z.string().nullable(),
  resource: z.string().nullable(), name: z.string().nullable(), status: z.number(), durationMs: z.number(),
});
export const zKubernetesCommand = z.object({
  command: z.string(), startedAt: z.string(), endedAt: z.string(), requests: z.number(), failed: z.number(), actions: z.array(zKubernetesAction),
});
export type KubernetesCommandRun = z.infer<typeof zKubernetesCommand>;
export const zKubernetesTimeline = z.object({ commands: z.array(zKubernetesCommand) });
