/**
 * The `postern-ssh` ALPN handler: for each admitted session stream, fetch the target and
 * credential from the server, watch the session for admin termination, and serve the bridge.
 * A session that cannot start still gets an SSH server, which tells the user why.
 */
import type { SessionParameters } from '@postern/shared/pki/peer-identity';
import type { SessionRecorder } from '@postern/shared/recording/recorder';
import type { AlpnHandler } from '../alpn-registry.ts';
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
  /** Port forwarding policy; agent forwarding is refused by the bridge. */
  allow?: SshSessionContext['allow'];
}

const NO_FORWARDING = { agentForwarding: false, portForwarding: false };

export function sshAlpnHandler(deps: SshAlpnDeps): AlpnHandler {
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
    deps.resolveTarget(session.sessionId).then((resolved) => {
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
