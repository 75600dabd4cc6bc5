import type { EndedBy } from '../ssh/termination-watch.ts';

/** After a session ends, an idle kubectl connection is kept this long so its next request is answered with why. */
export const endedConnectionGraceMs = 10_000;

export type SessionEndReason = { kind: 'expired'; at: Date } | { kind: 'terminated'; endedBy: EndedBy };

/** What kubectl prints when a request reaches a session that is over: who ended it, and what to do next. */
export function sessionEndedMessage(sessionId: string, reason: SessionEndReason): string {
  const next = 'start a new session with `postern pam kubernetes access`.';
  if (reason.kind === 'expired') return `Postern gateway: session ${sessionId} expired at ${reason.at.toISOString()}; ${next}`;
  const how = reason.endedBy === 'user' ? 'was ended by you (postern pam sessions end)' : 'was terminated by an administrator';
  return `Postern gateway: session ${sessionId} ${how}; ${next}`;
}
