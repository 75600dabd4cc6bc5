import type { RecordedSession } from '../../common/session-types.ts';

/** The reviewer's filters as typed in the form; the server filters by resource, type and time. */
export interface SessionFilterForm {
  user: string;
  resourceId: string;
  type: '' | 'ssh' | 'kubernetes';
  /** datetime-local values (the reviewer's local time), or empty. */
  from: string;
  to: string;
}

export const EMPTY_FILTERS: SessionFilterForm = { user: '', resourceId: '', type: '', from: '', to: '' };

/** The bridge's recordings.list argument for a form: local times become ISO instants. */
export function listQuery(orgId: string, projectId: string, form: SessionFilterForm) {
  const iso = (local: string) => (local && !Number.isNaN(new Date(local).getTime()) ? new Date(local).toISOString() : undefined);
  const from = iso(form.from);
  const to = iso(form.to);
  return {
    orgId, projectId,
    ...(form.resourceId ? { resourceId: form.resourceId } : {}),
    ...(form.type ? { type: form.type } : {}),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
  };
}

/** The user filter matches the email (any part, any case), here, on the sessions loaded so far. */
export function matchesUser(session: RecordedSession, user: string): boolean {
  const needle = user.trim().toLowerCase();
  return !needle || (session.user?.email.toLowerCase().includes(needle) ?? false);
}

export function sessionDuration(session: RecordedSession, now: number): number {
  const end = session.endedAt ? Date.parse(session.endedAt) : Math.min(now, Date.parse(session.expiresAt));
  return Math.max(0, (end - Date.parse(session.startedAt)) / 1000);
}

export const STATUS_LABELS: Record<RecordedSession['status'], string> = {
  active: 'Active', ended: 'Ended', expired: 'Expired', terminated: 'Terminated',
};
