/**
 * A Kubernetes connection in the app (real local proxy, real kubeconfig file, real PTY shell):
 * however it stops — the shell exits, Disconnect, the app quits — the proxy closes and the
 * session is ended on the server once. The server call itself is session-end.ts (tested against
 * a real server); here the opener hands out a session that counts its ends.
 */
import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiClient } from './api-client.ts';
import { KubernetesConnections, type KubernetesTabAccess } from './terminal-sessions-kubernetes.ts';
import { TerminalSessions } from './terminal-sessions.ts';

async function until(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function world(endFails = false) {
  const dataDir = mkdtempSync(join(tmpdir(), 'postern-kube-tab-'));
  const ends: string[] = [];
  const stopped: Array<[string, string]> = [];
  const warnings: string[] = [];
  const terminals = new TerminalSessions({ data: () => undefined, ended: () => undefined });
  let sessions = 0;
  const connections = new KubernetesConnections({
    dataDir, terminals,
    shell: { shell: '/bin/sh', env: { PATH: '/usr/bin:/bin', PS1: '$ ' }, cwd: dataDir },
    openAccess: async (): Promise<KubernetesTabAccess> => {
      const sessionId = `session-${++sessions}`;
      return {
        sessionId, resourceName: 'staging', accountName: 'viewer', expiresAt: new Date(Date.now() + 3_600_000),
        dial: async () => new Duplex({ read() {}, write(_chunk, _encoding, done) { done(); } }),
        end: async () => {
          ends.push(sessionId);
          if (endFails) throw new Error('Cannot reach the Postern server');
        },
      };
    },
    onEnded: (connectionId, reason) => stopped.push([connectionId, reason]),
    warn: (line) => warnings.push(line),
  });
  return { connections, terminals, ends, stopped, warnings };
}

const api = {} as ApiClient;
const request = { projectId: 'p', resource: 'staging', account: 'viewer', durationSeconds: 600 };
const size = { cols: 80, rows: 24 };

describe('KubernetesConnections end their sessions', () => {
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => { await cleanup?.(); cleanup = undefined; });

  it('the shell exiting stops the proxy, removes the kubeconfig and ends the session, once', async () => {
    const { connections, terminals, ends, stopped } = world();
    cleanup = () => connections.disconnectAll();
    const connection = await connections.connect(api, request, size);
    expect(existsSync(connection.kubeconfigPath)).toBe(true);
    terminals.input(connection.tab.tabId, 'exit 0\r');
    await until(() => stopped.length === 1 && ends.length === 1, 'the stop and the end');
    expect(stopped).toEqual([[connection.connectionId, 'stopped']]);
    expect(ends).toEqual(['session-1']);
    await until(() => !existsSync(connection.kubeconfigPath), 'the kubeconfig removal');
    await expect(connections.disconnect(connection.connectionId)).rejects.toMatchObject({ code: 'kubernetes_connection_gone' });
    expect(ends).toEqual(['session-1']);
  });

  it('Disconnect ends the session before it resolves; quitting ends every open one', async () => {
    const { connections, ends } = world();
    cleanup = () => connections.disconnectAll();
    const first = await connections.connect(api, request, size);
    await connections.disconnect(first.connectionId);
    expect(ends).toEqual(['session-1']);
    await connections.connect(api, request, size);
    await connections.connect(api, request, size);
    await connections.disconnectAll();
    expect([...ends].sort()).toEqual(['session-1', 'session-2', 'session-3']);
  });

  it('a server that cannot be told becomes one warning line; the connection still stops', async () => {
    const { connections, ends, stopped, warnings } = world(true);
    cleanup = () => connections.disconnectAll();
    const connection = await connections.connect(api, request, size);
    await connections.disconnect(connection.connectionId);
    expect(ends).toEqual(['session-1']);
    expect(stopped).toEqual([[connection.connectionId, 'stopped']]);
    expect(warnings).toEqual(['Postern: could not end session session-1 now (Cannot reach the Postern server); it ends by itself at its end time.']);
  });
});
