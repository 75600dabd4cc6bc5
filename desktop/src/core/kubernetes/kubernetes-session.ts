import { chmod, rm, writeFile } from 'node:fs/promises';
import type { Duplex } from 'node:stream';
import { KubeconfigFileError } from './errors.ts';
import { buildKubeconfig, mergeKubeconfig, writeSessionKubeconfig, type KubeconfigEntry, type MergedKubeconfig } from './kubeconfig.ts';
import { startLocalKubeProxy, type LocalKubeProxy } from './local-proxy.ts';

/** Where the session's kubeconfig goes: Postern's own file (default), or a context merged into the user's. */
export type KubeconfigPlacement =
  | { mode: 'own'; dataDir: string; path?: string }
  | { mode: 'merge'; path: string };

export interface KubernetesSessionOptions {
  sessionId: string;
  resourceName: string;
  expiresAt: Date;
  openStream: () => Promise<Duplex>;
  kubeconfig: KubeconfigPlacement;
  port?: number;
  namespace?: string;
  onError?: (error: unknown) => void;
}

export interface KubernetesSession {
  proxy: LocalKubeProxy;
  kubeconfigPath: string;
  contextName: string;
  /** Resolves when the proxy closed: 'expired' at the session's end, 'stopped' after stop(). */
  ended: Promise<'stopped' | 'expired'>;
  /** Closes the proxy and takes the kubeconfig away again (own file deleted, merged context removed). */
  stop(): Promise<void>;
}

/** Context names are kubeconfig keys and file names: keep them to safe characters. */
export function kubeContextName(resourceName: string): string {
  return `postern-${resourceName.toLowerCase().replace(/[^a-z0-9.-]+/g, '-').replace(/^-+|-+$/g, '') || 'cluster'}`;
}

async function placeKubeconfig(placement: KubeconfigPlacement, entry: KubeconfigEntry, sessionId: string): Promise<{ path: string; remove: () => Promise<void> }> {
  if (placement.mode === 'merge') {
    const merged: MergedKubeconfig = await mergeKubeconfig(placement.path, entry);
    return { path: merged.path, remove: () => merged.remove() };
  }
  let path: string;
  if (placement.path) {
    path = placement.path;
    // The file is deleted again at the end: never take over one that was there before.
    await writeFile(path, buildKubeconfig(entry), { mode: 0o600, flag: 'wx' }).catch((error: NodeJS.ErrnoException) => {
      throw error.code === 'EEXIST' ? new KubeconfigFileError(path, 'the file exists; add a context to it with --merge, or give a new path') : error;
    });
    await chmod(path, 0o600);
  } else {
    path = await writeSessionKubeconfig(placement.dataDir, entry, `${entry.name}-${sessionId.replace(/[^A-Za-z0-9]/g, '').slice(0, 12)}`);
  }
  return { path, remove: () => rm(path, { force: true }) };
}

/**
 * One Kubernetes session on this machine: the local proxy kubectl talks to and the kubeconfig
 * that points kubectl at it. Used by the CLI and by the desktop app's main process alike.
 */
export async function startKubernetesSession(options: KubernetesSessionOptions): Promise<KubernetesSession> {
  const proxy = await startLocalKubeProxy({
    openStream: options.openStream, expiresAt: options.expiresAt, ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.onError ? { onError: options.onError } : {}),
  });
  const contextName = kubeContextName(options.resourceName);
  let placed: { path: string; remove: () => Promise<void> };
  try {
    placed = await placeKubeconfig(options.kubeconfig, { name: contextName, server: proxy.url, ...(options.namespace ? { namespace: options.namespace } : {}) }, options.sessionId);
  } catch (error) {
    await proxy.close();
    throw error;
  }
  let removal: Promise<void> | undefined;
  const cleanUp = () => (removal ??= placed.remove());
  // At expiry the kubeconfig goes too: a context pointing at a closed port only confuses.
  const ended = proxy.closed.then(async (reason) => {
    await cleanUp().catch(options.onError ?? (() => undefined));
    return reason;
  });
  return {
    proxy, kubeconfigPath: placed.path, contextName, ended,
    stop: async () => {
      await proxy.close();
      await ended;
      await cleanUp();
    },
  };
}
