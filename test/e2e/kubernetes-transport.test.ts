/**
 * Kubernetes access over the real transport: kubectl → local proxy → client dialer (TLS to the
 * `postern-relay` process, then mTLS to the gateway inside the relayed channel, ALPN
 * postern-k8s) → an in-process gateway (tunnel client, inner TLS, the Kubernetes handler and
 * session resolver) → the test API server. Only the server's credentials answer is faked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialGateway } from '../../desktop/src/core/dialer.ts';
import { startKubernetesSession, type KubernetesSession } from '../../desktop/src/core/kubernetes/kubernetes-session.ts';
import { startKubeApiServer, type KubeApiServer } from '../fixtures/kube-apiserver/index.ts';
import { captureOutput, KubectlSandbox, stop, waitFor } from '../fixtures/kube-apiserver/kubectl-runner.ts';
import { startKubernetesTransport, type KubernetesTransport } from './kubernetes-transport-harness.ts';
import { dialOptionsFor } from './transport-harness.ts';

const org = { orgId: 'org-k8s', gatewayId: 'gw-k8s' };
const sessionId = 'ses-k8s-transport';

let transport: KubernetesTransport;
let cluster: KubeApiServer;
let sandbox: KubectlSandbox;
let session: KubernetesSession;
let dials = 0;

beforeAll(async () => {
  [cluster, sandbox] = await Promise.all([startKubeApiServer({ token: 'sa-token-transport', pods: [{ name: 'web-1' }] }), KubectlSandbox.create()]);
  transport = await startKubernetesTransport(org, cluster, 'sa-token-transport');
  const { pki, materials, relay } = transport;
  const dialOptions = dialOptionsFor(pki, materials, relay.tlsPort, { ...org, session: pki.session(org.orgId, org.gatewayId, { sessionId }), alpn: 'postern-k8s' });
  session = await startKubernetesSession({
    sessionId, resourceName: 'Staging Cluster', expiresAt: new Date(Date.now() + 3_600_000),
    openStream: () => { dials += 1; return dialGateway(dialOptions); }, kubeconfig: { mode: 'own', dataDir: sandbox.dir },
  });
}, 60_000);

afterAll(async () => {
  await session?.stop();
  await transport?.close();
  await cluster?.close();
  await sandbox?.remove();
});
describe('kubectl over the relay and the gateway', () => {
  it('get pods works, with the session token injected at the gateway', async () => {
    expect(session.contextName).toBe('postern-staging-cluster');
    const result = await sandbox.run(session.kubeconfigPath, ['get', 'pods']);
    expect(result.stderr).toBe('');
    expect(result).toMatchObject({ code: 0 });
    expect(result.stdout).toMatch(/web-1\s+1\/1\s+Running/);
    expect(new Set(cluster.requests.map((r) => r.bearerToken))).toEqual(new Set(['sa-token-transport']));
    // kubectl opened several connections; the server was asked for the credentials once.
    expect(dials).toBeGreaterThan(1);
    expect(transport.credentialFetches()).toBe(1);
  });

  it('exec -- echo hi returns hi and is recorded', async () => {
    const result = await sandbox.run(session.kubeconfigPath, ['exec', 'web-1', '--', 'echo', 'hi']);
    expect(result).toMatchObject({ code: 0, stdout: 'hi\n' });
    await waitFor(() => transport.recorder.terminals.at(-1)?.closed, Boolean, 5_000, 'the recorded exec');
    expect(transport.recorder.terminals.at(-1)).toMatchObject({ output: 'hi\n', exitCode: 0 });
  });

  it('logs -f streams a line appended while kubectl runs', async () => {
    const child = sandbox.spawn(session.kubeconfigPath, ['logs', '-f', 'web-1']);
    const output = captureOutput(child);
    try {
      await waitFor(() => cluster.requests.some((r) => r.path.endsWith('/log')), Boolean, 10_000, 'the follow request');
      cluster.appendLog('default', 'web-1', 'through the relay\n');
      await waitFor(output.stdout, (out) => out.includes('through the relay'), 5_000, 'the appended line');
    } finally {
      await stop(child);
    }
  });

  it('an admin termination ends a running watch at once', async () => {
    const other = 'ses-k8s-terminated';
    const dialOptions = dialOptionsFor(transport.pki, transport.materials, transport.relay.tlsPort,
      { ...org, session: transport.pki.session(org.orgId, org.gatewayId, { sessionId: other }), alpn: 'postern-k8s' });
    const second = await startKubernetesSession({
      sessionId: other, resourceName: 'terminated', expiresAt: new Date(Date.now() + 3_600_000),
      openStream: () => dialGateway(dialOptions), kubeconfig: { mode: 'own', dataDir: sandbox.dir },
    });
    const watch = sandbox.spawn(second.kubeconfigPath, ['get', 'pods', '--watch']);
    const output = captureOutput(watch);
    try {
      await waitFor(output.stdout, (out) => out.includes('web-1'), 10_000, 'the watch to list');
      const started = Date.now();
      transport.terminate(other);
      await waitFor(() => watch.exitCode, (code) => code !== null, 5_000, 'kubectl to see the watch end');
      expect(Date.now() - started).toBeLessThan(3_000);
      // kubectl's next command is told why at once, instead of retrying a dropped connection for seconds.
      const next = Date.now();
      const after = await sandbox.run(second.kubeconfigPath, ['get', 'pods'], { timeoutMs: 20_000 });
      expect(after.code).toBe(1);
      expect(after.stderr).toContain(`session ${other} was terminated by an administrator; start a new session`);
      expect(Date.now() - next).toBeLessThan(3_000);
    } finally {
      await stop(watch);
      await second.stop();
    }
  });

  it('a session the server revoked is refused at the gateway; kubectl says the gateway cannot be reached', async () => {
    transport.sessionCheck.revoked.add(sessionId);
    try {
      // The stream dialled ahead was admitted before the revocation and may serve one more command.
      await sandbox.run(session.kubeconfigPath, ['get', 'pods'], { timeoutMs: 20_000 });
      const result = await sandbox.run(session.kubeconfigPath, ['get', 'pods'], { timeoutMs: 20_000 });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('cannot open a connection to the gateway');
    } finally {
      transport.sessionCheck.revoked.delete(sessionId);
    }
  });
});
