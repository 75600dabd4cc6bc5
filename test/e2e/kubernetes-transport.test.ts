/**
 * Kubernetes access over the real transport: kubectl → local proxy → client dialer (TLS to the
 * `postern-relay` process, then mTLS to the gateway inside the relayed channel, ALPN
 * postern-k8s) → an in-process gateway (tunnel client, inner TLS, the Kubernetes handler and
 * session resolver) → the test API server. Only the server's credentials answer is faked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialGateway } from '../../desktop/src/core/dialer.ts';
import { startKubernetesSession, type KubernetesSession } from '../../desktop/src/core/kubernetes/kubernetes-session.ts';
import { loadGatewayConfig } from '../../gateway/src/config.ts';
import { startGateway, type RunningGateway } from '../../gateway/src/gateway.ts';
import { createKubernetesSessionResolver } from '../../gateway/src/kubernetes/session-resolver.ts';
import { silentLogger } from '../../gateway/src/logger.ts';
import { httpSessionCheck } from '../../gateway/src/session-check.ts';
import { TransportPki } from '../../shared/src/relay/transport-pki.test-support.ts';
import { startKubeApiServer, type KubeApiServer } from '../fixtures/kube-apiserver/index.ts';
import { captureOutput, KubectlSandbox, stop, waitFor } from '../fixtures/kube-apiserver/kubectl-runner.ts';
import { MemoryRecorder } from './kubernetes-harness.ts';
import { dialOptionsFor, startRelayProcess, startSessionCheck, type RelayProcess } from './transport-harness.ts';

const pki = new TransportPki();
const materials = pki.relayMaterials();
const org = { orgId: 'org-k8s', gatewayId: 'gw-k8s' };
const sessionId = 'ses-k8s-transport';

let relay: RelayProcess;
let sessionCheck: Awaited<ReturnType<typeof startSessionCheck>>;
let gateway: RunningGateway;
let cluster: KubeApiServer;
let sandbox: KubectlSandbox;
let session: KubernetesSession;
const recorder = new MemoryRecorder();
let credentialFetches = 0;
let dials = 0;

function gatewayConfig() {
  const ssh = pki.gatewaySsh(org.orgId, org.gatewayId);
  const tls = pki.gatewayTls(org.orgId, org.gatewayId);
  return loadGatewayConfig({
    POSTERN_GATEWAY_RELAY: `127.0.0.1:${relay.sshPort}`, POSTERN_GATEWAY_SESSION_CHECK_URL: sessionCheck.url,
    POSTERN_GATEWAY_BACKOFF_INITIAL_MS: '100', POSTERN_GATEWAY_BACKOFF_MAX_MS: '1000',
    POSTERN_GATEWAY_SSH_KEY: ssh.privateKey, POSTERN_GATEWAY_SSH_CERT: ssh.certificate, POSTERN_GATEWAY_RELAY_HOST_CA: materials.sshHostCaKey,
    POSTERN_GATEWAY_TLS_CERT: tls.certPem, POSTERN_GATEWAY_TLS_KEY: tls.keyPem, POSTERN_GATEWAY_TLS_CLIENT_CA: tls.clientCaPem,
  });
}

beforeAll(async () => {
  [relay, sessionCheck, cluster, sandbox] = await Promise.all([
    startRelayProcess(materials), startSessionCheck(), startKubeApiServer({ token: 'sa-token-transport', pods: [{ name: 'web-1' }] }), KubectlSandbox.create(),
  ]);
  const config = gatewayConfig();
  gateway = startGateway(config, {
    checkSession: httpSessionCheck(config.sessionCheck), log: silentLogger,
    kubernetes: createKubernetesSessionResolver({
      fetchCredentials: async (id) => {
        credentialFetches += 1;
        return {
          sessionId: id, expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
          target: { type: 'kubernetes', url: cluster.url, tlsVerify: true, caCertificate: cluster.caPem },
          credential: { type: 'kubernetes-token', token: 'sa-token-transport' },
        };
      },
      recorderFor: () => recorder, logger: silentLogger,
    }),
  });
  await gateway.connected();
  const dialOptions = dialOptionsFor(pki, materials, relay.tlsPort, { ...org, session: pki.session(org.orgId, org.gatewayId, { sessionId }), alpn: 'postern-k8s' });
  session = await startKubernetesSession({
    sessionId, resourceName: 'Staging Cluster', expiresAt: new Date(Date.now() + 3_600_000),
    openStream: () => { dials += 1; return dialGateway(dialOptions); }, kubeconfig: { mode: 'own', dataDir: sandbox.dir },
  });
}, 60_000);

afterAll(async () => {
  await session?.stop();
  gateway?.close();
  await Promise.all([relay?.kill(), sessionCheck?.close(), cluster?.close()]);
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
    expect(credentialFetches).toBe(1);
  });

  it('exec -- echo hi returns hi and is recorded', async () => {
    const result = await sandbox.run(session.kubeconfigPath, ['exec', 'web-1', '--', 'echo', 'hi']);
    expect(result).toMatchObject({ code: 0, stdout: 'hi\n' });
    await waitFor(() => recorder.terminals.at(-1)?.closed, Boolean, 5_000, 'the recorded exec');
    expect(recorder.terminals.at(-1)).toMatchObject({ output: 'hi\n', exitCode: 0 });
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

  it('a session the server revoked is refused at the gateway; kubectl says the gateway cannot be reached', async () => {
    sessionCheck.revoked.add(sessionId);
    try {
      // The stream dialled ahead was admitted before the revocation and may serve one more command.
      await sandbox.run(session.kubeconfigPath, ['get', 'pods'], { timeoutMs: 20_000 });
      const result = await sandbox.run(session.kubeconfigPath, ['get', 'pods'], { timeoutMs: 20_000 });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('cannot open a connection to the gateway');
    } finally {
      sessionCheck.revoked.delete(sessionId);
    }
  });
});
