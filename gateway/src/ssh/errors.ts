import { PosternError } from '@postern/shared/errors';

export type SshTargetFailure = 'unreachable' | 'host_key_mismatch' | 'login_refused' | 'credential' | 'handshake';

const ADVICE: Record<SshTargetFailure, string> = {
  unreachable: 'check that the resource\'s host and port are reachable from the gateway',
  host_key_mismatch: 'the server may have been replaced or the connection intercepted; ask an administrator to verify the host and re-check the resource',
  login_refused: 'ask an administrator to check the account\'s credential on the resource',
  credential: 'try again; if it persists ask an administrator to check the resource\'s SSH CA',
  handshake: 'try again; if it persists ask an administrator to check the resource',
};

/** The gateway could not log in to the target; the message is safe to show the user. */
export class SshTargetError extends PosternError {
  readonly reason: SshTargetFailure;
  constructor(reason: SshTargetFailure, problem: string) {
    super(`ssh_target_${reason}`, 502, `Postern could not open the SSH session on the target: ${problem}; ${ADVICE[reason]}.`, { reason });
    this.reason = reason;
  }
}
