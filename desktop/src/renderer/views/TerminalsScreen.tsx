import { useEffect, useMemo, useRef, useState } from 'react';
import type { PosternBridge } from '../../common/bridge.ts';
import type { TerminalFeed } from '../logic/terminal-feed.ts';
import { createInputQueue } from '../logic/terminal-input.ts';
import { timeLeft, type OpenTab } from '../logic/terminal-tabs.ts';
import { XtermView } from '../terminal/XtermView.tsx';
import { KubernetesPanel } from './KubernetesPanel.tsx';
import { EmptyState } from './ui.tsx';

export interface TerminalsScreenProps {
  bridge: PosternBridge;
  feed: TerminalFeed;
  tabs: OpenTab[];
  activeId: string | undefined;
  theme: 'light' | 'dark';
  /** The screen stays mounted while hidden, so every tab keeps its terminal and scrollback. */
  visible: boolean;
  reconnecting: string | undefined;
  onActivate(tabId: string): void;
  onClose(open: OpenTab): void;
  onReconnect(open: OpenTab): void;
}

export function TerminalsScreen(props: TerminalsScreenProps) {
  const now = useNow(1000);
  const active = props.tabs.find((open) => open.tab.tabId === props.activeId);
  return (
    <section className="content terminals" aria-label="Terminals" hidden={!props.visible}>
      {props.tabs.length === 0 ? (
        <EmptyState title="No terminals open">Press Connect on an account in Resources to open a session here.</EmptyState>
      ) : (
        <>
          <div className="tab-strip" role="tablist" aria-label="Open terminals">
            {props.tabs.map((open) => (
              <div key={open.tab.tabId} className={`tab${open.tab.tabId === props.activeId ? ' active' : ''}${open.ended ? ' tab-ended' : ''}`}>
                <button type="button" role="tab" aria-selected={open.tab.tabId === props.activeId} className="tab-title" onClick={() => props.onActivate(open.tab.tabId)}>
                  <span className={`tab-dot tab-dot-${open.ended ? 'ended' : open.tab.kind}`} aria-hidden="true" />{open.tab.title}
                </button>
                <button type="button" className="tab-close" aria-label={`Close ${open.tab.title}`} onClick={() => props.onClose(open)}>×</button>
              </div>
            ))}
          </div>
          {active?.kubernetes ? <KubernetesPanel bridge={props.bridge} connection={active.kubernetes} ended={Boolean(active.ended)} /> : null}
          <div className="terminal-stack">
            {props.tabs.map((open) => (
              <TerminalPane key={open.tab.tabId} bridge={props.bridge} feed={props.feed} open={open} theme={props.theme}
                visible={props.visible && open.tab.tabId === props.activeId} />
            ))}
          </div>
          {active ? <StatusBar open={active} now={now} reconnecting={props.reconnecting === active.tab.tabId} onReconnect={() => props.onReconnect(active)} /> : null}
        </>
      )}
    </section>
  );
}

function TerminalPane({ bridge, feed, open, theme, visible }: { bridge: PosternBridge; feed: TerminalFeed; open: OpenTab; theme: 'light' | 'dark'; visible: boolean }) {
  const { tabId } = open.tab;
  const ended = Boolean(open.ended);
  const sendInput = useMemo(() => createInputQueue((data) => bridge.call('terminal.input', { tabId, data })), [bridge, tabId]);
  // The view only detaches: the tab's output stays in the feed until the tab is closed, so a
  // re-created view (React may mount, clean up and mount) is given it again.
  const detach = useRef<() => void>(undefined);
  useEffect(() => () => detach.current?.(), []);
  return (
    <div className="terminal-pane" hidden={!visible} data-tab={tabId}>
      <XtermView theme={theme} fit visible={visible} readOnly={ended} label={`Terminal ${open.tab.title}`}
        onReady={(terminal) => { detach.current = feed.attach(tabId, (data) => terminal.write(data)); }}
        onInput={(data) => { if (!ended) void sendInput(data); }}
        onResize={({ cols, rows }) => { if (!ended) bridge.call('terminal.resize', { tabId, cols, rows }).catch(() => undefined); }} />
    </div>
  );
}

function StatusBar({ open, now, reconnecting, onReconnect }: { open: OpenTab; now: number; reconnecting: boolean; onReconnect(): void }) {
  const left = timeLeft(open.tab.expiresAt, now);
  if (open.ended) {
    return (
      <div className="terminal-status terminal-status-ended" role="status">
        <span>{open.ended.message}</span>
        <button type="button" className="button button-primary button-small" onClick={onReconnect} disabled={reconnecting}>
          {reconnecting ? 'Reconnecting…' : 'Reconnect'}
        </button>
      </div>
    );
  }
  return (
    <div className="terminal-status">
      <span className="muted">Session <span className="mono">{open.tab.sessionId?.slice(0, 8)}</span> · recorded</span>
      <span className="muted small">Copy: Ctrl+Shift+C · Paste: Ctrl+Shift+V</span>
      {left ? <span className={`time-left${left.warn ? ' time-left-warn' : ''}`} data-testid="time-left">{left.text}</span> : null}
    </div>
  );
}

function useNow(intervalMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}
