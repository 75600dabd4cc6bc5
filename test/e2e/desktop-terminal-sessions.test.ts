/**
 * The app's SSH terminal tabs (desktop core TerminalSessions) against the gateway's real SSH
 * bridge and a real sshd, over loopback TCP: output and input, the PTY size and a resize, and why
 * a tab ended — the shell's exit, the session's expiry, an administrator's termination — each
 * reported once with the message the tab shows.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TerminalEnded } from '../../desktop/src/common/session-types.ts';
import { TerminalSessions, type SshTabAccess } from '../../desktop/src/core/terminal-sessions.ts';
import { serveBridge, startTargetFixture, type TargetFixture } from '../fixtures/ssh-bridge.ts';
import { waitUntil } from './recording-harness.ts';

let target: TargetFixture;
let server: net.Server;
let port: number;
let next: { expiresAt: Date; terminated?: AbortSignal } = { expiresAt: new Date(Date.now() + 3_600_000) };

beforeAll(async () => {
  target = await startTargetFixture();
  server = net.createServer((socket) => {
    serveBridge(socket, target, { expiresAt: next.expiresAt, ...(next.terminated ? { terminated: next.terminated } : {}) });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});
afterAll(async () => {
  server?.close();
  await target?.sshd.close();
});

function harness() {
  const output = new Map<string, string>();
  const ended: TerminalEnded[] = [];
  const terminals = new TerminalSessions({
    data: (tabId, data) => output.set(tabId, (output.get(tabId) ?? '') + data),
    ended: (e) => ended.push(e),
  });
  /** Every session end the tabs asked for (the server call is session-end.ts, tested against a real server). */
  const sessionEnds: string[] = [];
  const access = (expiresAt: Date): SshTabAccess => ({
    sessionId: 'session-test', resourceName: 'web-1', accountName: 'ops', expiresAt, dial: async () => net.connect(port, '127.0.0.1'),
    end: async () => { sessionEnds.push('session-test'); },
  });
  return { terminals, output, ended, access, sessionEnds, text: (tabId: string) => output.get(tabId) ?? '' };
}

describe('SSH terminal tabs through the gateway bridge', () => {
  it('carries input and output, opens the PTY at the tab size, follows a resize, and reports the exit', async () => {
    const { terminals, ended, access, sessionEnds, text } = harness();
    next = { expiresAt: new Date(Date.now() + 3_600_000) };
    const tab = await terminals.openSsh(access(next.expiresAt), { cols: 101, rows: 29 });
    expect(tab).toMatchObject({ kind: 'ssh', sessionId: 'session-test', title: 'ops@web-1', cols: 101, rows: 29 });
    terminals.input(tab.tabId, "stty size; printf 'caf\\303\\251\\n'\r");
    await waitUntil(() => /29 101[\s\S]*café/.test(text(tab.tabId)), 'the size and the UTF-8 echo');
    terminals.resize(tab.tabId, { cols: 77, rows: 19 });
    terminals.input(tab.tabId, 'stty size; exit 4\r');
    await waitUntil(() => ended.length > 0, 'the exit');
    expect(text(tab.tabId)).toContain('19 77');
    expect(ended).toEqual([{ tabId: tab.tabId, reason: 'exited', exitCode: 4, message: 'The shell exited with status 4.' }]);
    await terminals.settled();
    expect(sessionEnds).toEqual(['session-test']);
  });

  it('a tab the user closes ends its session at once, once', async () => {
    const { terminals, ended, access, sessionEnds } = harness();
    next = { expiresAt: new Date(Date.now() + 3_600_000) };
    const tab = await terminals.openSsh(access(next.expiresAt), { cols: 80, rows: 24 });
    expect(sessionEnds).toEqual([]);
    terminals.close(tab.tabId);
    expect(sessionEnds).toEqual(['session-test']);
    await waitUntil(() => ended.length > 0, 'the close');
    await terminals.settled();
    expect(ended[0]).toMatchObject({ tabId: tab.tabId, reason: 'closed' });
    expect(sessionEnds).toEqual(['session-test']);
  });

  it('says the session expired when the gateway closes the shell at its end', async () => {
    const { terminals, ended, access } = harness();
    next = { expiresAt: new Date(Date.now() + 1_500) };
    const tab = await terminals.openSsh(access(next.expiresAt), { cols: 80, rows: 24 });
    await waitUntil(() => ended.length > 0, 'the expiry', 10_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(ended).toEqual([{ tabId: tab.tabId, reason: 'expired', exitCode: null, message: 'The session expired. Reconnect to start a new one.' }]);
  });

  it('says the gateway ended it when an administrator terminates the session', async () => {
    const { terminals, ended, access } = harness();
    const termination = new AbortController();
    next = { expiresAt: new Date(Date.now() + 3_600_000), terminated: termination.signal };
    const tab = await terminals.openSsh(access(next.expiresAt), { cols: 80, rows: 24 });
    termination.abort();
    await waitUntil(() => ended.length > 0, 'the termination', 10_000);
    expect(ended[0]).toMatchObject({ tabId: tab.tabId, reason: 'ended-by-gateway', exitCode: null });
  });
});
