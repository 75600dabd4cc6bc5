import { once } from 'node:events';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubeconfigFileError } from './errors.ts';
import { kubeContextName, startKubernetesSession } from './kubernetes-session.ts';

let dir: string;
let gateway: Server;
const gatewaySockets = new Set<Socket>();
const openStream = async (): Promise<Duplex> => {
  const socket = connect((gateway.address() as AddressInfo).port, '127.0.0.1');
  await once(socket, 'connect');
  return socket;
};
const base = () => ({ sessionId: 's-1', resourceName: 'Staging / EU', expiresAt: new Date(Date.now() + 60_000), openStream });

describe('a Kubernetes session on this machine', () => {
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'postern-k8s-session-'));
    gateway = createServer((socket) => {
      gatewaySockets.add(socket);
      socket.on('error', () => socket.destroy());
      socket.pipe(socket);
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
  });
  afterEach(async () => {
    for (const socket of gatewaySockets) socket.destroy();
    gatewaySockets.clear();
    await new Promise((resolve) => gateway.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it('names the context from the resource, safely', () => {
    expect(kubeContextName('Staging / EU')).toBe('postern-staging-eu');
    expect(kubeContextName('***')).toBe('postern-cluster');
  });

  it('own kubeconfig under the data dir, pointing at the proxy; stop removes it and closes the port', async () => {
    const session = await startKubernetesSession({ ...base(), kubeconfig: { mode: 'own', dataDir: dir } });
    expect(session.kubeconfigPath).toBe(join(dir, 'kube', 'postern-staging-eu-s1.yaml'));
    expect(await readFile(session.kubeconfigPath, 'utf8')).toContain(`server: ${session.proxy.url}`);
    await session.stop();
    expect(await session.ended).toBe('stopped');
    await expect(stat(session.kubeconfigPath)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('at expiry the kubeconfig goes too', async () => {
    const session = await startKubernetesSession({ ...base(), expiresAt: new Date(Date.now() + 300), kubeconfig: { mode: 'own', dataDir: dir } });
    expect(await session.ended).toBe('expired');
    await expect(stat(session.kubeconfigPath)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('an explicit path that already exists is refused and left alone (it would be deleted at the end)', async () => {
    const path = join(dir, 'config');
    await writeFile(path, 'precious: true\n');
    await expect(startKubernetesSession({ ...base(), kubeconfig: { mode: 'own', dataDir: dir, path } })).rejects.toBeInstanceOf(KubeconfigFileError);
    expect(await readFile(path, 'utf8')).toBe('precious: true\n');
  });
});
