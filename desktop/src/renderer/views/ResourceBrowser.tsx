import { useMemo, useState } from 'react';
import type { Account, Project } from '../../common/api-types.ts';
import type { ResourceEntry } from '../../common/bridge.ts';
import type { ResourceType } from '@postern/shared/schemas/resources';
import { countByType, filterEntries, targetOf, type TypeFilter } from '../logic/browse.ts';
import { ACCOUNT_TYPE_LABELS } from '../logic/account-form.ts';
import { Badge, EmptyState, FormError, Spinner } from './ui.tsx';

export interface ResourceBrowserProps {
  project: Project;
  entries: ResourceEntry[] | undefined;
  loadError: string | undefined;
  canEdit: boolean;
  /** The account a Connect is under way for. */
  connecting: string | undefined;
  onConnect(entry: ResourceEntry, account: Account): void;
  onCreate(type: ResourceType): void;
  onEdit(entry: ResourceEntry): void;
}

const FILTERS: Array<{ value: TypeFilter; label: string }> = [
  { value: 'all', label: 'All' },
  { value: 'ssh', label: 'SSH' },
  { value: 'kubernetes', label: 'Kubernetes' },
];

export function ResourceBrowser(props: ResourceBrowserProps) {
  const [search, setSearch] = useState('');
  const [type, setType] = useState<TypeFilter>('all');
  const entries = props.entries ?? [];
  const shown = useMemo(() => filterEntries(entries, search, type), [entries, search, type]);
  const counts = countByType(entries);

  return (
    <section className="content" aria-labelledby="page-title">
      <header className="page-header">
        <div>
          <h1 id="page-title">{props.project.name}</h1>
          <p className="muted">{props.project.description || 'Servers and clusters in this project, and the accounts used to reach them.'}</p>
        </div>
        {props.canEdit ? (
          <div className="header-actions">
            <button type="button" className="button" onClick={() => props.onCreate('kubernetes')}>New Kubernetes cluster</button>
            <button type="button" className="button button-primary" onClick={() => props.onCreate('ssh')}>New SSH server</button>
          </div>
        ) : null}
      </header>

      <div className="toolbar">
        <input className="search" type="search" placeholder="Search by name, host, gateway or account" aria-label="Search resources"
          value={search} onChange={(e) => setSearch(e.target.value)} />
        <div className="segmented" role="tablist" aria-label="Resource type">
          {FILTERS.map((filter) => (
            <button key={filter.value} type="button" role="tab" aria-selected={type === filter.value}
              className={type === filter.value ? 'active' : ''} onClick={() => setType(filter.value)}>
              {filter.label}<span className="count">{counts[filter.value]}</span>
            </button>
          ))}
        </div>
      </div>

      <FormError message={props.loadError} />
      {props.entries === undefined && !props.loadError ? <Spinner label="Loading resources…" /> : null}
      {props.entries !== undefined && shown.length === 0 ? (
        <EmptyState title={entries.length === 0 ? 'No resources yet' : 'Nothing matches'}>
          {entries.length === 0
            ? props.canEdit ? 'Add an SSH server or a Kubernetes cluster to give people access to it.' : 'Ask a project admin to add the servers and clusters you need.'
            : 'Try another search or type.'}
        </EmptyState>
      ) : null}
      {shown.length > 0 ? (
        <ul className="resource-list">
          {shown.map((entry) => <ResourceRow key={entry.resource.id} entry={entry} canEdit={props.canEdit} connecting={props.connecting}
            onConnect={(account) => props.onConnect(entry, account)} onEdit={() => props.onEdit(entry)} />)}
        </ul>
      ) : null}
    </section>
  );
}

interface ResourceRowProps {
  entry: ResourceEntry;
  canEdit: boolean;
  connecting: string | undefined;
  onConnect(account: Account): void;
  onEdit(): void;
}

function ResourceRow({ entry, canEdit, connecting, onConnect, onEdit }: ResourceRowProps) {
  const { resource } = entry;
  const warnings = resource.type === 'kubernetes' ? resource.warnings : [];
  return (
    <li className="resource" data-resource={resource.name}>
      <div className="resource-main">
        <div className="resource-title">
          <span className="resource-name">{resource.name}</span>
          <Badge kind={resource.type}>{resource.type === 'ssh' ? 'SSH' : 'Kubernetes'}</Badge>
          {warnings.length > 0 ? <Badge kind="warning">TLS off</Badge> : null}
        </div>
        <div className="resource-meta">
          <span className="mono">{targetOf(entry)}</span>
          <span className="dot" aria-hidden="true">·</span>
          <span>via {entry.gateway ? entry.gateway.name : <span className="mono">{resource.gatewayId.slice(0, 8)}</span>}</span>
        </div>
        {resource.description ? <p className="resource-description">{resource.description}</p> : null}
      </div>
      <div className="resource-accounts">
        {entry.accounts.length === 0 ? <span className="muted small">No accounts</span> : entry.accounts.map((account) => (
          <span key={account.id} className="chip chip-connect" title={ACCOUNT_TYPE_LABELS[account.type]}>
            {account.name}{account.username ? <span className="chip-sub">{account.username}</span> : null}
            <button type="button" className="chip-action" disabled={connecting !== undefined} onClick={() => onConnect(account)}
              aria-label={`Connect to ${resource.name} as ${account.name}`}>
              {connecting === account.id ? 'Connecting…' : 'Connect'}
            </button>
          </span>
        ))}
      </div>
      {canEdit ? <button type="button" className="button button-small" onClick={onEdit} aria-label={`Edit ${resource.name}`}>Edit</button> : null}
    </li>
  );
}
