/**
 * The Kubernetes remote-command channel protocol (k8s.io/apimachinery/pkg/util/remotecommand):
 * what `kubectl exec` and `kubectl attach` carry, over WebSocket messages or SPDY streams.
 */

/** WebSocket: the first byte of every message names its channel. SPDY: one stream per channel. */
export const ExecChannel = {
  Stdin: 0,
  Stdout: 1,
  Stderr: 2,
  Error: 3,
  Resize: 4,
  /** v5 only: `[255, n]` says the sender closed channel n (kubectl sends it for stdin EOF). */
  Close: 255,
} as const;
export type ExecChannel = (typeof ExecChannel)[keyof typeof ExecChannel];

/** SPDY names each stream by its `streamType` header instead of a channel byte. */
export const spdyStreamChannels: Readonly<Record<string, ExecChannel>> = {
  stdin: ExecChannel.Stdin,
  stdout: ExecChannel.Stdout,
  stderr: ExecChannel.Stderr,
  error: ExecChannel.Error,
  resize: ExecChannel.Resize,
};

/** Before v4 the error channel carried a plain message instead of a Status. */
export const isStatusErrorChannel = (protocol: string) => protocol.startsWith('v4.') || protocol.startsWith('v5.');

export interface ExecOutcome {
  /** 0 on success, the process's code on NonZeroExitCode, null when the command did not run to an exit. */
  exitCode: number | null;
  message?: string;
}

interface StatusLike {
  status?: string;
  reason?: string;
  message?: string;
  details?: { causes?: { reason?: string; message?: string }[] };
}

/** Reads what the API server wrote on the error channel into an exit code, as kubectl does. */
export function execOutcomeFromErrorChannel(payload: string, protocol: string): ExecOutcome {
  const text = payload.trim();
  if (!isStatusErrorChannel(protocol)) return text ? { exitCode: null, message: text } : { exitCode: 0 };
  let status: StatusLike;
  try {
    status = JSON.parse(text) as StatusLike;
  } catch {
    return { exitCode: null, message: text };
  }
  if (status.status === 'Success') return { exitCode: 0 };
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  const code = status.reason === 'NonZeroExitCode' && cause?.message !== undefined ? Number.parseInt(cause.message, 10) : Number.NaN;
  return { exitCode: Number.isInteger(code) ? code : null, ...(status.message ? { message: status.message } : {}) };
}

export interface TerminalSizeMessage {
  cols: number;
  rows: number;
}

/** Resize messages are JSON `{"Width":80,"Height":24}` (kubectl's TerminalSize); anything else is ignored. */
export function parseResizeMessage(json: string): TerminalSizeMessage | undefined {
  try {
    const parsed = JSON.parse(json) as { Width?: unknown; Height?: unknown };
    const cols = Number(parsed.Width);
    const rows = Number(parsed.Height);
    if (!Number.isInteger(cols) || !Number.isInteger(rows) || cols <= 0 || rows <= 0) return undefined;
    return { cols, rows };
  } catch {
    return undefined;
  }
}
