/**
 * What the gateway hands the SSH bridge for one authenticated session (ALPN `postern-ssh`):
 * where the target is, how to log in to it, where to report, and when the session ends.
 */
import type { KeyObject } from 'node:crypto';
import type { SessionRecorder } from '@postern/shared/recording/recorder';

export type SshTargetCredential =
  | { type: 'password'; username: string; password: string }
  | { type: 'key'; username: string; privateKey: string; passphrase?: string }
  /**
   * A fresh key pair per session (made by the bridge, or given as `keyPair` when it was already
   * made for this session); `issue` has the server sign its public key line. Never stored.
   */
  | { type: 'certificate'; username: string; issue: (publicKeyLine: string) => Promise<string>; keyPair?: { privateKey: KeyObject; publicKey: KeyObject } };

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

/**
 * What the bridge itself needs: everything in the session context except how to reach the
 * target, which is reduced to one login function (so a session that cannot start still gets an
 * SSH server that tells the user why, instead of a dropped connection).
 */
export type BridgeOptions = Omit<SshSessionContext, 'target' | 'credential'> & {
  login: () => Promise<import('ssh2').Client>;
};

/** Why the bridge ended: the transport closed, the session expired, or an admin terminated it. */
export type BridgeEndReason = 'closed' | 'expired' | 'terminated' | 'target-failed';
