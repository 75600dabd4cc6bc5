/**
 * What the gateway hands the SSH bridge for one authenticated session (ALPN `postern-ssh`):
 * where the target is, how to log in to it, where to report, and when the session ends.
 */
import type { SessionRecorder } from '@postern/shared/recording/recorder';

export type SshTargetCredential =
  | { type: 'password'; username: string; password: string }
  | { type: 'key'; username: string; privateKey: string; passphrase?: string }
  /** A fresh key pair is made per session; `issue` has the server sign its public key line. */
  | { type: 'certificate'; username: string; issue: (publicKeyLine: string) => Promise<string> };

export interface SshTarget {
  host: string;
  port: number;
  /** Pinned OpenSSH public key lines; when given, any other host key refuses the session. */
  hostKeys?: string[];
}

/** Structured logger (pino-compatible subset). Never given a secret or session content. */
export interface BridgeLogger {
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error?(fields: object, message?: string): void;
}

export interface SshSessionContext {
  sessionId: string;
  target: SshTarget;
  credential: SshTargetCredential;
  recorder: SessionRecorder;
  logger: BridgeLogger;
  /** The session's end (JIT): the bridge closes everything then and tells the user. */
  expiresAt: Date;
  allow: { agentForwarding: boolean; portForwarding: boolean };
  /** The gateway's stable SSH host key (OpenSSH or PEM private key), presented to the client. */
  hostKey: string | Buffer;
  /** Aborted when an admin terminates the session; the bridge closes within moments. */
  terminated?: AbortSignal;
  /** Clock for expiry (tests). */
  now?: () => number;
  /** Environment variables the client may pass to the target (default: LANG, LC_*, TERM-style safe set). */
  envAllowList?: readonly string[];
}

/** Why the bridge ended: the transport closed, the session expired, or an admin terminated it. */
export type BridgeEndReason = 'closed' | 'expired' | 'terminated' | 'target-failed';
