import { describe, expect, it } from 'vitest';
import type { TerminalTab } from '../../common/session-types.ts';
import { createTerminalFeed, MAX_BUFFERED_CHARS } from './terminal-feed.ts';
import { afterClose, replaceTab, timeLeft, withEnded, type OpenTab } from './terminal-tabs.ts';

const tab = (tabId: string): OpenTab => ({
  tab: { tabId, kind: 'ssh', sessionId: `s-${tabId}`, title: tabId, expiresAt: null, cols: 80, rows: 24 } satisfies TerminalTab,
  target: { kind: 'ssh', projectId: 'p', resource: 'web-1', account: 'ops' },
});

describe('terminal feed', () => {
  it('keeps output that came before the view attached, then streams live', () => {
    const feed = createTerminalFeed();
    feed.push('a', '$ ');
    feed.push('b', 'other');
    const seen: string[] = [];
    const detach = feed.attach('a', (data) => seen.push(data));
    feed.push('a', 'echo hi');
    expect(seen).toEqual(['$ ', 'echo hi']);
    detach();
    feed.push('a', 'later');
    expect(seen).toHaveLength(2);
  });

  it('gives a re-created view everything the first one got (React may mount, clean up and mount a view)', () => {
    const feed = createTerminalFeed();
    const first: string[] = [];
    const detachFirst = feed.attach('a', (data) => first.push(data));
    feed.push('a', 'k8s$ ');
    detachFirst();
    const second: string[] = [];
    feed.attach('a', (data) => second.push(data));
    feed.push('a', 'kubectl get pods');
    expect(first).toEqual(['k8s$ ']);
    expect(second).toEqual(['k8s$ ', 'kubectl get pods']);
  });

  it('keeps the latest output up to a limit, and none once the tab is closed', () => {
    const feed = createTerminalFeed();
    feed.push('a', 'x'.repeat(MAX_BUFFERED_CHARS));
    feed.push('a', 'latest');
    let total = '';
    feed.attach('a', (data) => { total += data; });
    expect(total.length).toBe(MAX_BUFFERED_CHARS);
    expect(total.endsWith('xlatest')).toBe(true);
    feed.push('b', 'gone');
    feed.forget('b');
    const seen: string[] = [];
    feed.attach('b', (data) => seen.push(data));
    expect(seen).toEqual([]);
  });
});


describe('tabs', () => {
  it('marks a tab ended once, keeping the first reason', () => {
    let tabs = [tab('a'), tab('b')];
    tabs = withEnded(tabs, { tabId: 'a', reason: 'expired', exitCode: null, message: 'expired' });
    tabs = withEnded(tabs, { tabId: 'a', reason: 'closed', exitCode: null, message: 'closed' });
    expect(tabs[0]!.ended?.reason).toBe('expired');
    expect(tabs[1]!.ended).toBeUndefined();
  });

  it('reconnects in place and picks a neighbour when the shown tab closes', () => {
    const tabs = [tab('a'), tab('b'), tab('c')];
    expect(replaceTab(tabs, 'b', tab('b2')).map((t) => t.tab.tabId)).toEqual(['a', 'b2', 'c']);
    expect(afterClose(tabs, 'b', 'b').activeId).toBe('c');
    expect(afterClose(tabs, 'c', 'c').activeId).toBe('b');
    expect(afterClose(tabs, 'a', 'c').activeId).toBe('c');
    expect(afterClose([tab('a')], 'a', 'a')).toEqual({ tabs: [], activeId: undefined });
  });

  it('shows the time left, warns in the last five minutes, and says when it is over', () => {
    const now = Date.parse('2026-01-01T10:00:00Z');
    expect(timeLeft('2026-01-01T10:59:30Z', now)).toEqual({ text: '59:30 left', warn: false, over: false });
    expect(timeLeft('2026-01-01T10:04:00Z', now)).toEqual({ text: '4:00 left', warn: true, over: false });
    expect(timeLeft('2026-01-01T09:59:00Z', now)).toEqual({ text: 'Session over', warn: true, over: true });
    expect(timeLeft(null, now)).toBeNull();
  });
});
