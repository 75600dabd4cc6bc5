import type { RecordedSession, SessionPage, SessionPageCursor } from '../../common/session-types.ts';

/** The pages of the session list loaded so far, newest first, and where the next one starts. */
export interface LoadedSessions {
  sessions: RecordedSession[];
  next: SessionPageCursor | null;
}

export function firstPage(page: SessionPage): LoadedSessions {
  return { sessions: page.sessions, next: page.next };
}

/**
 * Adds the next page. A session already shown is not shown twice (a server without the keyset
 * cursor repeats rows that share the boundary's start time).
 */
export function appendPage(loaded: LoadedSessions, page: SessionPage): LoadedSessions {
  const shown = new Set(loaded.sessions.map((session) => session.sessionId));
  return { sessions: [...loaded.sessions, ...page.sessions.filter((session) => !shown.has(session.sessionId))], next: page.next };
}

/** The bridge query for the page after `loaded`, or undefined on the last page. */
export function nextPageQuery<Q extends object>(query: Q, loaded: LoadedSessions | undefined): (Q & SessionPageCursor) | undefined {
  return loaded?.next ? { ...query, before: loaded.next.before, beforeId: loaded.next.beforeId } : undefined;
}

/**
 * The line under the list while older sessions remain. The user filter works on the loaded
 * sessions only, so it says how many of them it looked at.
 */
export function moreSessionsNote(loaded: number, shown: number, filteringByUser: boolean): string {
  return filteringByUser
    ? `${shown} of the ${loaded} most recent sessions ${shown === 1 ? 'matches' : 'match'} the user filter. Older sessions are not loaded yet.`
    : `Showing the ${loaded} most recent sessions. Older sessions are not loaded yet.`;
}
