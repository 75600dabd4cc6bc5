import { useEffect, useMemo, useState } from 'react';
import type { PosternBridge } from '../../common/bridge.ts';
import { createTerminalFeed } from '../logic/terminal-feed.ts';
import { afterClose, DEFAULT_SESSION_SECONDS, replaceTab, withEnded, type ConnectTarget, type OpenTab } from '../logic/terminal-tabs.ts';

/** The size a new tab asks for before its view has measured itself (then a resize follows). */
const INITIAL_SIZE = { cols: 120, rows: 32 };

/**
 * The open terminal tabs of the workspace: Connect, Reconnect and Close, with the bridge's
 * terminal events routed to them. Lives above the screens, so tabs survive switching screens.
 */
export function useTerminalTabs(bridge: PosternBridge) {
  const feed = useMemo(() => createTerminalFeed(), []);
  const [tabs, setTabs] = useState<OpenTab[]>([]);
  const [activeId, setActiveId] = useState<string>();
  const [reconnecting, setReconnecting] = useState<string>();

  useEffect(() => {
    const stopData = bridge.on('terminal.data', ({ tabId, data }) => feed.push(tabId, data));
    const stopEnded = bridge.on('terminal.ended', (ended) => setTabs((current) => withEnded(current, ended)));
    return () => { stopData(); stopEnded(); };
  }, [bridge, feed]);

  const open = async (target: ConnectTarget): Promise<OpenTab> => {
    const request = { projectId: target.projectId, resource: target.resource, account: target.account, durationSeconds: DEFAULT_SESSION_SECONDS, ...INITIAL_SIZE };
    if (target.kind === 'ssh') return { tab: await bridge.call('terminal.openSsh', request), target };
    const kubernetes = await bridge.call('kubernetes.connect', request);
    return { tab: kubernetes.tab, target, kubernetes };
  };

  return {
    feed, tabs, activeId, reconnecting, setActiveId,
    connect: async (target: ConnectTarget) => {
      const opened = await open(target);
      setTabs((current) => [...current, opened]);
      setActiveId(opened.tab.tabId);
    },
    reconnect: async (old: OpenTab) => {
      setReconnecting(old.tab.tabId);
      try {
        const opened = await open(old.target);
        setTabs((current) => replaceTab(current, old.tab.tabId, opened));
        setActiveId(opened.tab.tabId);
        feed.forget(old.tab.tabId);
      } finally {
        setReconnecting(undefined);
      }
    },
    close: (closing: OpenTab) => {
      // Closing a tab ends its session in the core. A Kubernetes connection that already expired
      // is gone while its shell may still run: then the tab is closed on its own.
      const closeTab = () => bridge.call('terminal.close', { tabId: closing.tab.tabId }).catch(() => undefined);
      if (closing.kubernetes && !closing.ended) bridge.call('kubernetes.disconnect', { connectionId: closing.kubernetes.connectionId }).catch(closeTab);
      else if (!closing.ended) void closeTab();
      feed.forget(closing.tab.tabId);
      const next = afterClose(tabs, closing.tab.tabId, activeId);
      setTabs(next.tabs);
      setActiveId(next.activeId);
    },
  };
}
