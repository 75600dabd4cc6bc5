import { useMemo, useState } from 'react';
import type { PosternBridge, ResourceEntry } from '../../common/bridge.ts';
import type { RecordedSession } from '../../common/session-types.ts';
import { useSessionPages } from '../hooks/useSessionPages.ts';
import { formatClock } from '../logic/playback-engine.ts';
import { EMPTY_FILTERS, listQuery, matchesUser, sessionDuration, STATUS_LABELS, type SessionFilterForm } from '../logic/session-filters.ts';
import { moreSessionsNote } from '../logic/session-pages.ts';
import { Badge, EmptyState, FormError, Spinner } from './ui.tsx';

export interface SessionsScreenProps {
  bridge: PosternBridge;
  orgId: string;
  projectId: string;
  projectName: string;
  resources: ResourceEntry[];
  onOpen(session: RecordedSession): void;
  /** Sessions per page (the bridge's default, 100, when absent). */
  pageSize?: number;
}

export function SessionsScreen(props: SessionsScreenProps) {
  const [form, setForm] = useState<SessionFilterForm>(EMPTY_FILTERS);
  const { bridge, orgId, projectId, pageSize } = props;
  const query = useMemo(
    () => ({ ...listQuery(orgId, projectId, form), ...(pageSize ? { limit: pageSize } : {}) }),
    [orgId, projectId, pageSize, form.resourceId, form.type, form.from, form.to],
  );
  const { sessions, hasMore, loadingMore, error, refresh, loadMore } = useSessionPages(bridge, query);

  const shown = (sessions ?? []).filter((session) => matchesUser(session, form.user));
  const set = (field: keyof SessionFilterForm) => (event: { target: { value: string } }) => setForm((current) => ({ ...current, [field]: event.target.value }));

  return (
    <section className="content" aria-labelledby="sessions-title">
      <header className="page-header">
        <div>
          <h1 id="sessions-title">Sessions</h1>
          <p className="muted">Every session in {props.projectName}: who reached what, when, and what they did.</p>
        </div>
        <button type="button" className="button" onClick={() => void refresh()}>Refresh</button>
      </header>
      <div className="filters" role="search">
        <label className="filter">User<input type="search" placeholder="Email" value={form.user} onChange={set('user')} aria-label="Filter by user" /></label>
        <label className="filter">Resource
          <select value={form.resourceId} onChange={set('resourceId')} aria-label="Filter by resource">
            <option value="">All resources</option>
            {props.resources.map(({ resource }) => <option key={resource.id} value={resource.id}>{resource.name}</option>)}
          </select>
        </label>
        <label className="filter">Type
          <select value={form.type} onChange={set('type')} aria-label="Filter by type">
            <option value="">All types</option><option value="ssh">SSH</option><option value="kubernetes">Kubernetes</option>
          </select>
        </label>
        <label className="filter">From<input type="datetime-local" value={form.from} onChange={set('from')} aria-label="Started from" /></label>
        <label className="filter">To<input type="datetime-local" value={form.to} onChange={set('to')} aria-label="Started until" /></label>
      </div>
      <FormError message={error} />
      {sessions === undefined && !error ? <Spinner label="Loading sessions…" /> : null}
      {sessions !== undefined && shown.length === 0 ? <EmptyState title="No sessions match">{hasMore ? 'None of the sessions loaded so far; older ones may.' : 'Sessions appear here once someone connects.'}</EmptyState> : null}
      {shown.length > 0 ? <SessionTable sessions={shown} onOpen={props.onOpen} /> : null}
      {hasMore && sessions ? (
        <div className="list-more">
          <span className="muted">{moreSessionsNote(sessions.length, shown.length, form.user.trim() !== '')}</span>
          <button type="button" className="button" disabled={loadingMore} onClick={() => void loadMore()}>{loadingMore ? 'Loading…' : 'Load more'}</button>
        </div>
      ) : null}
    </section>
  );
}

function SessionTable({ sessions, onOpen }: { sessions: RecordedSession[]; onOpen(session: RecordedSession): void }) {
  const now = Date.now();
  return (
    <div className="card card-flush">
      <table className="table sessions-table">
        <thead><tr><th>Started</th><th>User</th><th>Resource</th><th>Account</th><th>Length</th><th>Status</th><th aria-label="Actions" /></tr></thead>
        <tbody>
          {sessions.map((session) => (
            <tr key={session.sessionId} data-session={session.sessionId}>
              <td className="nowrap">{new Date(session.startedAt).toLocaleString()}</td>
              <td className="cell-user" title={session.user?.email}>{session.user?.email ?? '—'}</td>
              <td>
                <span className="cell-row">{session.resource?.name ?? '—'}
                  {session.resource ? <Badge kind={session.resource.type}>{session.resource.type === 'ssh' ? 'SSH' : 'Kubernetes'}</Badge> : null}
                </span>
              </td>
              <td className="mono">{session.account?.username ?? session.account?.name ?? '—'}</td>
              <td className="mono">{formatClock(sessionDuration(session, now))}</td>
              <td><span className={`status status-${session.status}`}>{STATUS_LABELS[session.status]}</span></td>
              <td className="row-actions">
                <button type="button" className="button button-small" disabled={!session.recording} onClick={() => onOpen(session)}
                  aria-label={`Play session of ${session.user?.email ?? 'unknown'} on ${session.resource?.name ?? 'unknown'} at ${session.startedAt}`}>
                  {session.recording ? 'Play' : 'No recording'}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
