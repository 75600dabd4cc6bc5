/**
 * The `postern-ssh` ALPN handler: for each admitted session stream, take the target and
 * credential the admission fetched from the server (or fetch them), watch the session for admin
 * termination, and serve the bridge, which logs in to the target at once.
 * A session that cannot start still gets an SSH server, which tells the user why.
 */
import type { TLSSocket } from 'node:tls';
import { PosternError } from '@postern/shared/errors';
import type { SessionParameters } from '@postern/shared/pki/peer-identity';
import type { SessionRecorder } from '@postern/shared/recording/recorder';
import type { AlpnHandler, AlpnSessionAdmission } from '../alpn-registry.ts';
import type { GatewayLogger } from '../logger.ts';
import { handleSshConnection, refuseSshConnection } from './bridge.ts';
import type { SshSessionContext } from './context.ts';
import { fetchSshSessionTarget, type ServerApi, type SshSessionTarget } from './session-credentials.ts';
import type { SessionTerminationWatch } from './termination-watch.ts';

/** Where the target and its credential for a session come from (the server, see httpSshTargetResolver). */
export type ResolveSshTarget = (sessionId: string) => Promise<SshSessionTarget>;

export function httpSshTargetResolver(server: ServerApi): ResolveSshTarget {
  return (sessionId) => fetchSshSessionTarget(server, sessionId);
}

export interface SshAlpnDeps {
  resolveTarget: ResolveSshTarget;
  /** The gateway's stable SSH host key (see host-key.ts). */
  hostKey: string;
  /** The session's recorder (the gateway's recording spool). */
  recorderFor: (session: SessionParameters) => SessionRecorder;
  /** Admin termination: absent only where sessions are never terminated early (benchmarks). */
  terminations?: SessionTerminationWatch;
  log: GatewayLogger;
  /**
   * resolveTarget asks the server, which answers only for an active session of this gateway (404
   * or 410 otherwise): let that answer admit the session in place of the generic session check
   * (see sshAlpnService). Off for resolvers that answer for any session (tests, benchmarks).
   */
  admitByTarget?: boolean;
  /** Port forwarding policy; agent forwarding is refused by the bridge. */
  allow?: SshSessionContext['allow'];
}

const NO_FORWARDING = { agentForwarding: false, portForwarding: false };

/** What the SSH admission fetched for one admitted stream: the target, or the error the bridge tells the user. */
type Prepared = { resolved: SshSessionTarget } | { error: Error };

/** The server's answers for a session that does not exist for this gateway (404) or is no longer active (410). */
function sessionNotActive(error: unknown): boolean {
  return error instanceof PosternError && (error.status === 404 || error.status === 410);
}

/**
 * The `postern-ssh` handler and its admission. The admission's credentials call replaces the
 * generic session check (the server answers it only for an active session), so the target login
 * can start the moment the session is admitted, alongside the client's SSH handshake.
 */
export function sshAlpnService(deps: SshAlpnDeps): { handler: AlpnHandler; admission: AlpnSessionAdmission } {
  const prepared = new WeakMap<TLSSocket, Prepared>();
  const admission: AlpnSessionAdmission = async (stream, session) => {
    try {
      prepared.set(stream, { resolved: await deps.resolveTarget(session.sessionId) });
    } catch (error) {
      if (sessionNotActive(error)) return false;
      // Any other answer from the server admits a bridge that only tells the user why it cannot start.
      if (!(error instanceof PosternError)) throw error;
      prepared.set(stream, { error });
    }
    return true;
  };
  const resolveFor = (stream: TLSSocket, sessionId: string): Promise<SshSessionTarget> => {
    const ready = prepared.get(stream);
    prepared.delete(stream);
    if (!ready) return deps.resolveTarget(sessionId);
    return 'resolved' in ready ? Promise.resolve(ready.resolved) : Promise.reject(ready.error);
  };
  return { handler: sshHandler(deps, resolveFor), admission };
}

/** The handler alone: it fetches the target itself (callers that admit sessions by other means, tests). */
export function sshAlpnHandler(deps: SshAlpnDeps): AlpnHandler {
  return sshAlpnService(deps).handler;
}

function sshHandler(deps: SshAlpnDeps, resolveFor: (stream: TLSSocket, sessionId: string) => Promise<SshSessionTarget>): AlpnHandler {
  return (stream, peer) => {
    stream.on('error', () => stream.destroy());
    const base = { hostKey: deps.hostKey, logger: deps.log, allow: deps.allow ?? NO_FORWARDING };
    if (peer.kind !== 'session') {
      void refuseSshConnection(stream, { ...base, sessionId: 'platform', recorder: noRecording(), expiresAt: new Date(Date.now() + 60_000) },
        'Postern: SSH access needs a session certificate; request one with postern pam ssh access.');
      return;
    }
    const { session } = peer;
    const watched = deps.terminations?.track(session.sessionId) ?? { signal: new AbortController().signal, release: () => {} };
    stream.once('close', watched.release);
    const recorder = deps.recorderFor(session);
    resolveFor(stream, session.sessionId).then((resolved) => {
      // The certificate's not-after is the session's end too; the earlier of the two wins.
      const expiresAt = new Date(Math.min(resolved.expiresAt.getTime(), session.notAfter.getTime()));
      return handleSshConnection(stream, { ...base, ...resolved, expiresAt, sessionId: session.sessionId, recorder, terminated: watched.signal });
    }, (error: Error) => {
      deps.log.warn({ event: 'ssh_session_unresolved', sessionId: session.sessionId, error: error.message }, 'ssh session could not start');
      return refuseSshConnection(stream, { ...base, sessionId: session.sessionId, recorder, expiresAt: session.notAfter, terminated: watched.signal },
        `Postern: session ${session.sessionId} could not start (${error.message}).`);
    }).then((reason) => deps.log.info({ event: 'ssh_session_closed', sessionId: session.sessionId, reason }, 'ssh connection closed'));
  };
}

function noRecording(): SessionRecorder {
  return { openTerminal: () => ({ output() {}, input() {}, resize() {}, close() {} }), event() {} };
}
