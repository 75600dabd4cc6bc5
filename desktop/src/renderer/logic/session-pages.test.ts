import { describe, expect, it } from 'vitest';
import type { RecordedSession, SessionPage } from '../../common/session-types.ts';
import { appendPage, firstPage, moreSessionsNote, nextPageQuery } from './session-pages.ts';

const session = (sessionId: string): RecordedSession => ({
  sessionId, projectId: 'p', status: 'ended', startedAt: '2026-01-01T10:00:00.000Z', expiresAt: '2026-01-01T11:00:00.000Z',
  endedAt: null, user: null, resource: null, account: null, recording: null,
});
const page = (ids: string[], next: SessionPage['next']): SessionPage => ({ sessions: ids.map(session), next });
const cursor = (beforeId: string) => ({ before: '2026-01-01T10:00:00.000Z', beforeId });
const ids = (sessions: RecordedSession[]) => sessions.map((s) => s.sessionId);

describe('session list pages', () => {
  it('asks for the page after the last loaded session, with the same filters', () => {
    const loaded = firstPage(page(['c', 'b'], cursor('b')));
    expect(nextPageQuery({ orgId: 'o', type: 'ssh' as const, limit: 2 }, loaded)).toEqual({
      orgId: 'o', type: 'ssh', limit: 2, before: '2026-01-01T10:00:00.000Z', beforeId: 'b',
    });
  });

  it('has no next page on the last page, or before the first answer', () => {
    expect(nextPageQuery({ orgId: 'o' }, firstPage(page(['a'], null)))).toBeUndefined();
    expect(nextPageQuery({ orgId: 'o' }, undefined)).toBeUndefined();
  });

  it('appends older pages in order and takes their cursor', () => {
    let loaded = firstPage(page(['e', 'd'], cursor('d')));
    loaded = appendPage(loaded, page(['c', 'b'], cursor('b')));
    loaded = appendPage(loaded, page(['a'], null));
    expect(ids(loaded.sessions)).toEqual(['e', 'd', 'c', 'b', 'a']);
    expect(loaded.next).toBeNull();
  });

  it('shows a session once when a page repeats the boundary row', () => {
    const loaded = appendPage(firstPage(page(['c', 'b'], cursor('b'))), page(['b', 'a'], null));
    expect(ids(loaded.sessions)).toEqual(['c', 'b', 'a']);
  });

  it('says how much is loaded, and what the user filter looked at', () => {
    expect(moreSessionsNote(100, 100, false)).toBe('Showing the 100 most recent sessions. Older sessions are not loaded yet.');
    expect(moreSessionsNote(200, 1, true)).toBe('1 of the 200 most recent sessions matches the user filter. Older sessions are not loaded yet.');
    expect(moreSessionsNote(200, 0, true)).toBe('0 of the 200 most recent sessions match the user filter. Older sessions are not loaded yet.');
  });
});
