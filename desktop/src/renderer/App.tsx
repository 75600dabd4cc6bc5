import { useCallback, useEffect, useState } from 'react';
import type { Account, Gateway, Project, Resource } from '../common/api-types.ts';
import type { PosternBridge, ResourceEntry, SessionView } from '../common/bridge.ts';
import type { RecordedSession } from '../common/session-types.ts';
import { canEdit } from './logic/browse.ts';
import { useTheme } from './logic/theme.ts';
import { useTerminalTabs } from './terminal/use-terminal-tabs.ts';
import { PlaybackScreen } from './views/PlaybackScreen.tsx';
import { ResourceBrowser } from './views/ResourceBrowser.tsx';
import { ResourceEditor } from './views/ResourceEditor.tsx';
import { SessionsScreen } from './views/SessionsScreen.tsx';
import { SignIn } from './views/SignIn.tsx';
import { Sidebar, type NavView } from './views/Sidebar.tsx';
import { TerminalsScreen } from './views/TerminalsScreen.tsx';
import { Spinner } from './views/ui.tsx';

type Screen =
  | { name: 'browse' }
  | { name: 'edit'; resourceId: string | undefined; type: 'ssh' | 'kubernetes' }
  | { name: 'terminals' }
  | { name: 'sessions' }
  | { name: 'playback'; session: RecordedSession };

const NAV_OF: Record<Screen['name'], NavView> = { browse: 'resources', edit: 'resources', terminals: 'terminals', sessions: 'sessions', playback: 'sessions' };

// Only the server's address is remembered in the page; tokens stay in the main process.
const LAST_SERVER_KEY = 'postern.lastServerUrl';

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function App({ bridge }: { bridge: PosternBridge }) {
  const [session, setSession] = useState<SessionView | null | undefined>(undefined);
  const [theme, setTheme] = useTheme();

  useEffect(() => {
    bridge.call('session.current').then(setSession, () => setSession(null));
    return bridge.on('session.changed', ({ signedIn }) => { if (!signedIn) setSession(null); });
  }, [bridge]);

  if (session === undefined) return <div className="center"><Spinner label="Starting…" /></div>;
  if (session === null) {
    const signedIn = (view: SessionView) => {
      localStorage.setItem(LAST_SERVER_KEY, view.serverUrl);
      setSession(view);
    };
    return <SignIn bridge={bridge} onSignedIn={signedIn} initialServerUrl={localStorage.getItem(LAST_SERVER_KEY) ?? ''} />;
  }
  return <Workspace bridge={bridge} session={session} theme={theme} onTheme={setTheme} onSignedOut={() => setSession(null)} />;
}

interface WorkspaceProps {
  bridge: PosternBridge;
  session: SessionView;
  theme: 'light' | 'dark';
  onTheme(theme: 'light' | 'dark'): void;
  onSignedOut(): void;
}

function Workspace({ bridge, session, theme, onTheme, onSignedOut }: WorkspaceProps) {
  const [orgId, setOrgId] = useState(session.orgs[0]?.id ?? '');
  const [projects, setProjects] = useState<Project[]>([]);
  const [projectId, setProjectId] = useState<string>();
  const [gateways, setGateways] = useState<Gateway[]>([]);
  const [entries, setEntries] = useState<ResourceEntry[]>();
  const [loadError, setLoadError] = useState<string>();
  const [screen, setScreen] = useState<Screen>({ name: 'browse' });
  const terminals = useTerminalTabs(bridge);
  const [connecting, setConnecting] = useState<string>();
  const [connectError, setConnectError] = useState<string>();

  useEffect(() => {
    if (!orgId) return;
    bridge.call('catalog.projects', { orgId }).then((list) => {
      setProjects(list);
      setProjectId((current) => (list.some((p) => p.id === current) ? current : list[0]?.id));
    }, (error: unknown) => setLoadError(messageOf(error)));
    bridge.call('catalog.gateways', { orgId }).then(setGateways, () => setGateways([]));
  }, [bridge, orgId]);

  const reload = useCallback(async () => {
    if (!projectId) return;
    try {
      setEntries(await bridge.call('catalog.resources', { orgId, projectId }));
      setLoadError(undefined);
    } catch (error) {
      setLoadError(messageOf(error));
    }
  }, [bridge, orgId, projectId]);

  useEffect(() => {
    setEntries(undefined);
    setScreen((current) => (current.name === 'terminals' ? current : { name: 'browse' }));
    void reload();
  }, [reload]);

  const project = projects.find((p) => p.id === projectId);
  const orgRole = session.orgs.find((org) => org.id === orgId)?.role;
  const projectRole = session.projects.find((p) => p.id === projectId)?.role;
  const editable = canEdit(orgRole, projectRole);
  const editing = screen.name === 'edit' ? entries?.find((entry) => entry.resource.id === screen.resourceId) : undefined;

  const connect = async (entry: ResourceEntry, account: Account) => {
    if (!projectId) return;
    setConnecting(account.id);
    setConnectError(undefined);
    try {
      await terminals.connect({ kind: entry.resource.type, projectId, resource: entry.resource.name, account: account.name });
      setScreen({ name: 'terminals' });
    } catch (error) {
      setConnectError(`Could not connect to ${entry.resource.name} as ${account.name}: ${messageOf(error)}`);
    } finally {
      setConnecting(undefined);
    }
  };
  const navigate = (view: NavView) => setScreen(view === 'resources' ? { name: 'browse' } : view === 'terminals' ? { name: 'terminals' } : { name: 'sessions' });

  const signOut = async () => {
    await bridge.call('session.signOut').catch(() => undefined);
    onSignedOut();
  };
  const afterSave = async (resource: Resource) => {
    await reload();
    // A new resource stays open (now with its accounts), unless the user already left the editor.
    setScreen((current) => (current.name === 'edit' ? { name: 'edit', resourceId: resource.id, type: resource.type } : current));
  };

  return (
    <div className="app">
      <Sidebar session={session} orgId={orgId} projects={projects} projectId={projectId} theme={theme}
        view={NAV_OF[screen.name]} terminalCount={terminals.tabs.length} onView={navigate}
        onOrg={setOrgId} onProject={setProjectId} onTheme={onTheme} onSignOut={signOut} />
      <TerminalsScreen bridge={bridge} feed={terminals.feed} tabs={terminals.tabs} activeId={terminals.activeId} theme={theme}
        visible={screen.name === 'terminals'} reconnecting={terminals.reconnecting} onActivate={terminals.setActiveId}
        onClose={terminals.close} onReconnect={(open) => { void terminals.reconnect(open).catch(() => undefined); }} />
      {screen.name === 'terminals' ? null : !project ? <div className="content center"><Spinner label="Loading projects…" /></div> : screen.name === 'edit' ? (
        <ResourceEditor key={screen.resourceId ?? `new-${screen.type}`} bridge={bridge} projectId={project.id} gateways={gateways}
          entry={editing} type={screen.type} onSaved={afterSave}
          onDeleted={() => { void reload().then(() => setScreen({ name: 'browse' })); }} onClose={() => setScreen({ name: 'browse' })} />
      ) : screen.name === 'sessions' ? (
        <SessionsScreen bridge={bridge} orgId={orgId} projectId={project.id} projectName={project.name} resources={entries ?? []}
          onOpen={(recorded) => setScreen({ name: 'playback', session: recorded })} />
      ) : screen.name === 'playback' ? (
        <PlaybackScreen bridge={bridge} session={screen.session} theme={theme} onBack={() => setScreen({ name: 'sessions' })} />
      ) : (
        <ResourceBrowser project={project} entries={entries} loadError={connectError ?? loadError} canEdit={editable}
          connecting={connecting} onConnect={(entry, account) => { void connect(entry, account); }}
          onCreate={(type) => setScreen({ name: 'edit', resourceId: undefined, type })}
          onEdit={(entry) => setScreen({ name: 'edit', resourceId: entry.resource.id, type: entry.resource.type })} />
      )}
    </div>
  );
}
