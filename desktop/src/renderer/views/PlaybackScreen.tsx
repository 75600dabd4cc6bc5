import { useEffect, useMemo, useState } from 'react';
import type { PosternBridge } from '../../common/bridge.ts';
import type { KubernetesCommandRun, RecordedSession, RecordingIndex } from '../../common/session-types.ts';
import { messageOf } from '../logic/error-message.ts';
import { SshPlayer } from '../terminal/SshPlayer.tsx';
import { KubernetesTimelineView } from './KubernetesTimelineView.tsx';
import { EmptyState, FormError, Spinner } from './ui.tsx';

export function PlaybackScreen({ bridge, session, theme, onBack }: { bridge: PosternBridge; session: RecordedSession; theme: 'light' | 'dark'; onBack(): void }) {
  const [error, setError] = useState<string>();
  const isKubernetes = session.resource?.type === 'kubernetes';
  return (
    <section className="content" aria-labelledby="playback-title">
      <button type="button" className="link" onClick={onBack}>← Back to sessions</button>
      <header className="page-header">
        <div>
          <h1 id="playback-title">{session.user?.email ?? 'Unknown user'} on {session.resource?.name ?? 'a deleted resource'}</h1>
          <p className="muted">
            {new Date(session.startedAt).toLocaleString()} · as <span className="mono">{session.account?.username ?? session.account?.name ?? '—'}</span> · session <span className="mono">{session.sessionId.slice(0, 8)}</span>
          </p>
        </div>
      </header>
      <FormError message={error} />
      {isKubernetes ? <KubernetesPlayback bridge={bridge} session={session} onError={setError} /> : <SshPlayback bridge={bridge} session={session} theme={theme} onError={setError} />}
    </section>
  );
}

function SshPlayback({ bridge, session, theme, onError }: { bridge: PosternBridge; session: RecordedSession; theme: 'light' | 'dark'; onError(message: string): void }) {
  const [index, setIndex] = useState<RecordingIndex>();
  const [terminal, setTerminal] = useState<number>();
  const [cast, setCast] = useState<string>();

  useEffect(() => {
    bridge.call('recordings.index', { sessionId: session.sessionId }).then((loaded) => {
      setIndex(loaded);
      setTerminal(loaded.terminals.find((t) => t.command === null)?.terminal ?? loaded.terminals[0]?.terminal);
    }, (error: unknown) => onError(messageOf(error)));
  }, [bridge, session.sessionId]);

  useEffect(() => {
    if (terminal === undefined) return;
    setCast(undefined);
    bridge.call('recordings.asciicast', { sessionId: session.sessionId, terminal }).then(setCast, (error: unknown) => onError(messageOf(error)));
  }, [bridge, session.sessionId, terminal]);

  // The export is the recording already loaded, handed to the browser's download as a file.
  const exportHref = useMemo(() => (cast ? URL.createObjectURL(new Blob([cast], { type: 'application/x-asciicast' })) : undefined), [cast]);
  useEffect(() => () => { if (exportHref) URL.revokeObjectURL(exportHref); }, [exportHref]);

  if (!index) return <Spinner label="Loading the recording…" />;
  if (index.terminals.length === 0) return <EmptyState title="Nothing was typed">This session opened no terminal.</EmptyState>;
  return (
    <>
      <div className="toolbar">
        {index.terminals.length > 1 ? (
          <select aria-label="Terminal" value={terminal} onChange={(event) => setTerminal(Number(event.target.value))} className="terminal-select">
            {index.terminals.map((t) => <option key={t.terminal} value={t.terminal}>{terminalLabel(t)}</option>)}
          </select>
        ) : <span className="muted">{terminalLabel(index.terminals[0]!)}</span>}
        {!index.complete ? <span className="badge badge-warning">Part of the recording is missing</span> : null}
        <span className="spacer" />
        {exportHref ? <a className="button button-small" href={exportHref} download={`${session.sessionId}-${terminal}.cast`}>Export as asciicast</a> : null}
      </div>
      {cast ? <SshPlayer key={`${session.sessionId}-${terminal}`} asciicast={cast} theme={theme} /> : <Spinner label="Loading the terminal…" />}
    </>
  );
}

function terminalLabel(terminal: RecordingIndex['terminals'][number]): string {
  const what = terminal.command ?? 'Interactive shell';
  const ended = terminal.exitCode === null ? '' : ` · exit ${terminal.exitCode}`;
  return `${what} · ${terminal.cols}×${terminal.rows} · opened ${new Date(terminal.openedAt).toLocaleTimeString()}${ended}`;
}

function KubernetesPlayback({ bridge, session, onError }: { bridge: PosternBridge; session: RecordedSession; onError(message: string): void }) {
  const [commands, setCommands] = useState<KubernetesCommandRun[]>();
  useEffect(() => {
    bridge.call('recordings.kubernetes', { sessionId: session.sessionId }).then(setCommands, (error: unknown) => onError(messageOf(error)));
  }, [bridge, session.sessionId]);
  if (!commands) return <Spinner label="Loading the command timeline…" />;
  if (commands.length === 0) return <EmptyState title="No requests">kubectl made no requests in this session.</EmptyState>;
  return <KubernetesTimelineView commands={commands} startedAt={session.startedAt} />;
}
