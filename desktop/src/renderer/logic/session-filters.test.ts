import { describe, expect, it } from 'vitest';
import type { RecordedSession } from '../../common/session-types.ts';
import { EMPTY_FILTERS, listQuery, matchesUser, sessionDuration } from './session-filters.ts';

const session = (overrides: Partial<RecordedSession> = {}): RecordedSession => ({
  sessionId: 's', projectId: 'p', status: 'ended', startedAt: '2026-01-01T10:00:00.000Z', expiresAt: '2026-01-01T11:00:00.000Z',
  endedAt: '2026-01-01T10:02:30.000Z', user: { id: 'u', email: 'Ada@Example.test' }, resource: null, account: null, recording: null, ...overrides,
});

describe('session filters', () => {
  it('sends only the filters that are set, local times as ISO instants', () => {
    expect(listQuery('o', 'p', EMPTY_FILTERS)).toEqual({ orgId: 'o', projectId: 'p' });
    const query = listQuery('o', 'p', { ...EMPTY_FILTERS, type: 'ssh', resourceId: 'r', from: '2026-01-01T09:30', to: 'not a time' });
    expect(query).toMatchObject({ orgId: 'o', projectId: 'p', type: 'ssh', resourceId: 'r' });
    expect(new Date(query.from!).getTime()).toBe(new Date('2026-01-01T09:30').getTime());
    expect(query).not.toHaveProperty('to');
  });

  it('matches the user by any part of the email, ignoring case; blank matches all', () => {
    expect(matchesUser(session(), 'ada@')).toBe(true);
    expect(matchesUser(session(), 'EXAMPLE')).toBe(true);
    expect(matchesUser(session(), 'bob')).toBe(false);
    expect(matchesUser(session({ user: null }), 'ada')).toBe(false);
    expect(matchesUser(session({ user: null }), '  ')).toBe(true);
  });

  it('measures a session to its end, or to now (never past its expiry) while it runs', () => {
    expect(sessionDuration(session(), Date.now())).toBe(150);
    const running = session({ endedAt: null, status: 'active' });
    expect(sessionDuration(running, Date.parse('2026-01-01T10:00:10.000Z'))).toBe(10);
    expect(sessionDuration(running, Date.parse('2026-01-01T12:00:00.000Z'))).toBe(3600);
  });
});
