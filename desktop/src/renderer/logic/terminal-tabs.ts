import type { KubernetesConnection, TerminalEnded, TerminalTab } from '../../common/session-types.ts';
import { formatClock } from './playback-engine.ts';

/** What Connect was pressed on: enough to Reconnect with a new session. */
export interface ConnectTarget {
  kind: 'ssh' | 'kubernetes';
  projectId: string;
  resource: string;
  account: string;
}

/** A tab on screen: the tab's plain data, where it came from, and how it ended if it did. */
export interface OpenTab {
  tab: TerminalTab;
  target: ConnectTarget;
  kubernetes?: KubernetesConnection;
  ended?: TerminalEnded;
}

export const DEFAULT_SESSION_SECONDS = 3600;
/** Below this, the time left turns to a warning. */
export const WARN_SECONDS = 5 * 60;

export function withEnded(tabs: OpenTab[], ended: TerminalEnded): OpenTab[] {
  return tabs.map((open) => (open.tab.tabId === ended.tabId && !open.ended ? { ...open, ended } : open));
}

/** Reconnect puts the new tab where the old one was. */
export function replaceTab(tabs: OpenTab[], oldTabId: string, replacement: OpenTab): OpenTab[] {
  return tabs.map((open) => (open.tab.tabId === oldTabId ? replacement : open));
}

/** The tab to show after closing one: its right neighbour, else its left one. */
export function afterClose(tabs: OpenTab[], tabId: string, activeId: string | undefined): { tabs: OpenTab[]; activeId: string | undefined } {
  const index = tabs.findIndex((open) => open.tab.tabId === tabId);
  const rest = tabs.filter((open) => open.tab.tabId !== tabId);
  if (activeId !== tabId) return { tabs: rest, activeId };
  return { tabs: rest, activeId: (rest[index] ?? rest[index - 1])?.tab.tabId };
}

export interface TimeLeft { text: string; warn: boolean; over: boolean }

export function timeLeft(expiresAt: string | null, now: number): TimeLeft | null {
  if (!expiresAt) return null;
  const seconds = (Date.parse(expiresAt) - now) / 1000;
  if (seconds <= 0) return { text: 'Session over', warn: true, over: true };
  return { text: `${formatClock(seconds)} left`, warn: seconds < WARN_SECONDS, over: false };
}
