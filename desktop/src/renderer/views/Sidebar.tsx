import type { Project } from '../../common/api-types.ts';
import type { SessionView } from '../../common/bridge.ts';

export type NavView = 'resources' | 'terminals' | 'sessions';

const NAV: Array<{ view: NavView; label: string }> = [
  { view: 'resources', label: 'Resources' },
  { view: 'terminals', label: 'Terminals' },
  { view: 'sessions', label: 'Sessions' },
];

export interface SidebarProps {
  view: NavView;
  terminalCount: number;
  onView(view: NavView): void;
  session: SessionView;
  orgId: string;
  projects: Project[];
  projectId: string | undefined;
  theme: 'light' | 'dark';
  onOrg(orgId: string): void;
  onProject(projectId: string): void;
  onTheme(theme: 'light' | 'dark'): void;
  onSignOut(): void;
}

export function Sidebar(props: SidebarProps) {
  const { session } = props;
  return (
    <nav className="sidebar" aria-label="Projects">
      <div className="brand"><span className="brand-mark" aria-hidden="true">P</span>Postern</div>
      <ul className="nav-list" aria-label="Screens">
        {NAV.map((item) => (
          <li key={item.view}>
            <button type="button" className={`project-item nav-item${props.view === item.view ? ' active' : ''}`} aria-current={props.view === item.view ? 'page' : undefined}
              onClick={() => props.onView(item.view)}>
              {item.label}
              {item.view === 'terminals' && props.terminalCount > 0 ? <span className="count">{props.terminalCount}</span> : null}
            </button>
          </li>
        ))}
      </ul>
      <label className="sidebar-label" htmlFor="org">Organization</label>
      <select id="org" className="sidebar-select" value={props.orgId} onChange={(e) => props.onOrg(e.target.value)}>
        {session.orgs.map((org) => <option key={org.id} value={org.id}>{org.name}</option>)}
      </select>
      <div className="sidebar-label">Projects</div>
      <ul className="project-list">
        {props.projects.map((project) => (
          <li key={project.id}>
            <button type="button" className={`project-item${project.id === props.projectId ? ' active' : ''}`} onClick={() => props.onProject(project.id)}>
              {project.name}
            </button>
          </li>
        ))}
        {props.projects.length === 0 ? <li className="muted small">No projects you can see.</li> : null}
      </ul>
      <div className="sidebar-footer">
        <div className="user">
          <span className="avatar" aria-hidden="true">{(session.user.displayName ?? session.user.email).slice(0, 1).toUpperCase()}</span>
          <div className="user-text">
            <div className="user-email" title={session.user.email}>{session.user.email}</div>
            <div className="muted small" title={session.serverUrl}>{new URL(session.serverUrl).host}</div>
          </div>
        </div>
        <div className="sidebar-actions">
          <button type="button" className="button button-ghost button-small" onClick={() => props.onTheme(props.theme === 'dark' ? 'light' : 'dark')}>
            {props.theme === 'dark' ? 'Light theme' : 'Dark theme'}
          </button>
          <button type="button" className="button button-ghost button-small" onClick={props.onSignOut}>Sign out</button>
        </div>
      </div>
    </nav>
  );
}
