import { useEffect, useState, type Dispatch, type SetStateAction } from 'react';
import type { Account, Resource } from '../common/api-types.ts';
import type { PosternBridge, ResourceEntry, SessionView } from '../common/bridge.ts';
import type { RecordedSession } from '../common/session-types.ts';
import { useConnect } from './hooks/useConnect.ts';
import { useProjectCatalog } from './hooks/useProjectCatalog.ts';
import { canEdit } from './logic/browse.ts';
import { useTheme } from './logic/theme.ts';
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
  const catalog = useProjectCatalog(bridge, session.orgs[0]?.id ?? '');
  const [screen, setScreen] = useState<Screen>({ name: 'browse' });
  const { terminals, connecting, connectError, connect } = useConnect(bridge, catalog.projectId, () => setScreen({ name: 'terminals' }));

  // Another organisation or project: its editor or sessions close, the terminals stay.
  useEffect(() => {
    setScreen((current) => (current.name === 'terminals' ? current : { name: 'browse' }));
  }, [catalog.reload]);

  const orgRole = session.orgs.find((org) => org.id === catalog.orgId)?.role;
  const projectRole = session.projects.find((p) => p.id === catalog.projectId)?.role;
  const navigate = (view: NavView) => setScreen(view === 'resources' ? { name: 'browse' } : view === 'terminals' ? { name: 'terminals' } : { name: 'sessions' });
  const signOut = async () => {
    await bridge.call('session.signOut').catch(() => undefined);
    onSignedOut();
  };

  return (
    <div className="app">
      <Sidebar session={session} orgId={catalog.orgId} projects={catalog.projects} projectId={catalog.projectId} theme={theme}
        view={NAV_OF[screen.name]} terminalCount={terminals.tabs.length} onView={navigate}
        onOrg={catalog.setOrgId} onProject={catalog.setProjectId} onTheme={onTheme} onSignOut={signOut} />
      <TerminalsScreen bridge={bridge} feed={terminals.feed} tabs={terminals.tabs} activeId={terminals.activeId} theme={theme}
        visible={screen.name === 'terminals'} reconnecting={terminals.reconnecting} onActivate={terminals.setActiveId}
        onClose={terminals.close} onReconnect={(open) => { void terminals.reconnect(open).catch(() => undefined); }} />
      {screen.name === 'terminals' ? null : (
        <ScreenContent bridge={bridge} screen={screen} onScreen={setScreen} catalog={catalog} theme={theme}
          editable={canEdit(orgRole, projectRole)} connecting={connecting} connectError={connectError}
          onConnect={(entry, account) => { void connect(entry, account); }} />
      )}
    </div>
  );
}

interface ScreenContentProps {
  bridge: PosternBridge;
  screen: Exclude<Screen, { name: 'terminals' }>;
  onScreen: Dispatch<SetStateAction<Screen>>;
  catalog: ReturnType<typeof useProjectCatalog>;
  theme: 'light' | 'dark';
  editable: boolean;
  connecting: string | undefined;
  connectError: string | undefined;
  onConnect(entry: ResourceEntry, account: Account): void;
}

/** The screen beside the sidebar, for every screen but the terminals (which stay mounted). */
function ScreenContent({ bridge, screen, onScreen, catalog, theme, editable, connecting, connectError, onConnect }: ScreenContentProps) {
  const { project, entries, gateways, loadError, reload } = catalog;
  if (!project) return <div className="content center"><Spinner label="Loading projects…" /></div>;
  const afterSave = async (resource: Resource) => {
    await reload();
    // A new resource stays open (now with its accounts), unless the user already left the editor.
    onScreen((current) => (current.name === 'edit' ? { name: 'edit', resourceId: resource.id, type: resource.type } : current));
  };
  switch (screen.name) {
    case 'edit':
      return (
        <ResourceEditor key={screen.resourceId ?? `new-${screen.type}`} bridge={bridge} projectId={project.id} gateways={gateways}
          entry={entries?.find((entry) => entry.resource.id === screen.resourceId)} type={screen.type} onSaved={afterSave}
          onDeleted={() => { void reload().then(() => onScreen({ name: 'browse' })); }} onClose={() => onScreen({ name: 'browse' })} />
      );
    case 'sessions':
      return (
        <SessionsScreen bridge={bridge} orgId={catalog.orgId} projectId={project.id} projectName={project.name} resources={entries ?? []}
          onOpen={(recorded) => onScreen({ name: 'playback', session: recorded })} />
      );
    case 'playback':
      return <PlaybackScreen bridge={bridge} session={screen.session} theme={theme} onBack={() => onScreen({ name: 'sessions' })} />;
    case 'browse':
      return (
        <ResourceBrowser project={project} entries={entries} loadError={connectError ?? loadError} canEdit={editable}
          connecting={connecting} onConnect={onConnect}
          onCreate={(type) => onScreen({ name: 'edit', resourceId: undefined, type })}
          onEdit={(entry) => onScreen({ name: 'edit', resourceId: entry.resource.id, type: entry.resource.type })} />
      );
  }
}
