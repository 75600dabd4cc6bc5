import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TerminalEnded } from '../common/session-types.ts';
import { localShellFrom } from './terminal-sessions-local.ts';
import { endMessage, TerminalSessions, TerminalTabGoneError } from './terminal-sessions.ts';
import { exportKubeconfigLine } from './terminal-sessions-kubernetes.ts';

/** A local PTY tab (node-pty, real /bin/sh): output, resize, input, exit, close, and a dead tab. */

function recordingSink() {
  const output = new Map<string, string>();
  const ended: TerminalEnded[] = [];
  return {
    output, ended,
    sink: { data: (tabId: string, data: string) => output.set(tabId, (output.get(tabId) ?? '') + data), ended: (e: TerminalEnded) => ended.push(e) },
  };
}

async function until(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('TerminalSessions with a local shell', () => {
  let terminals: TerminalSessions | undefined;
  afterEach(() => terminals?.closeAll());
  const cwd = mkdtempSync(join(tmpdir(), 'postern-tab-'));
  const shell = { shell: '/bin/sh', env: { PATH: '/usr/bin:/bin', KUBECONFIG: '/tmp/k/config.yaml', PS1: '$ ' }, cwd };

  it('runs typed commands with the given environment, follows resizes, and reports the exit', async () => {
    const { sink, output, ended } = recordingSink();
    terminals = new TerminalSessions(sink);
    const tab = terminals.openLocal({ ...shell, title: 'kubectl · prod', sessionId: 's-1', expiresAt: null }, { cols: 80, rows: 24 });
    expect(tab).toMatchObject({ kind: 'local', sessionId: 's-1', title: 'kubectl · prod', cols: 80, rows: 24, expiresAt: null });
    terminals.input(tab.tabId, 'echo "K=$KUBECONFIG"; stty size\r');
    await until(() => /K=\/tmp\/k\/config\.yaml[\s\S]*24 80/.test(output.get(tab.tabId) ?? ''), 'the echo and the size');
    terminals.resize(tab.tabId, { cols: 132, rows: 40 });
    expect(terminals.openTabs[0]).toMatchObject({ cols: 132, rows: 40 });
    terminals.input(tab.tabId, 'stty size; exit 3\r');
    await until(() => ended.length === 1, 'the exit');
    expect(output.get(tab.tabId)).toContain('40 132');
    expect(ended[0]).toEqual({ tabId: tab.tabId, reason: 'exited', exitCode: 3, message: 'The shell exited with status 3.' });
    expect(() => terminals!.input(tab.tabId, 'x')).toThrow(TerminalTabGoneError);
    // A late resize from the window is not an error once the tab ended.
    expect(() => terminals!.resize(tab.tabId, { cols: 10, rows: 10 })).not.toThrow();
  });

  it('reports a tab the user closed as closed, once', async () => {
    const { sink, ended } = recordingSink();
    terminals = new TerminalSessions(sink);
    const tab = terminals.openLocal({ ...shell, title: 't', sessionId: null, expiresAt: null }, { cols: 80, rows: 24 });
    terminals.close(tab.tabId);
    terminals.close(tab.tabId);
    await until(() => ended.length > 0, 'the close');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(ended).toHaveLength(1);
    expect(ended[0]!.reason).toBe('closed');
    expect(terminals.openTabs).toEqual([]);
  });
});

describe('helpers', () => {
  it('quotes the KUBECONFIG export for a POSIX shell', () => {
    expect(exportKubeconfigLine('/home/a/.config/postern/kube/postern-prod.yaml')).toBe("export KUBECONFIG='/home/a/.config/postern/kube/postern-prod.yaml'");
    expect(exportKubeconfigLine("/tmp/it's")).toBe("export KUBECONFIG='/tmp/it'\\''s'");
  });

  it('takes the user shell and environment, without an inherited KUBECONFIG', () => {
    const options = localShellFrom({ SHELL: '/bin/zsh', KUBECONFIG: '/elsewhere', LANG: 'C.UTF-8', EMPTY: undefined }, 'linux', '/home/a');
    expect(options).toEqual({ shell: '/bin/zsh', env: { SHELL: '/bin/zsh', LANG: 'C.UTF-8', TERM: 'xterm-256color' }, cwd: '/home/a' });
    expect(localShellFrom({}, 'linux', '/h').shell).toBe('/bin/sh');
    expect(localShellFrom({ ComSpec: 'C:\\cmd.exe' }, 'win32', 'C:\\').shell).toBe('C:\\cmd.exe');
  });

  it('says why a terminal ended and what to do', () => {
    expect(endMessage('expired', null)).toMatch(/expired.*Reconnect/);
    expect(endMessage('ended-by-gateway', null)).toMatch(/gateway ended the session/);
    expect(endMessage('exited', null)).toBe('The shell exited.');
  });
});
