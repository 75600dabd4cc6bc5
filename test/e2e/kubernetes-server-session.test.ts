/**
 * The gateway's `postern-k8s` handler against the real server routes (in-process): a Kubernetes
 * resource pointing at the test API server with its CA, a token account, a session opened by a
 * member; the gateway fetches the token from POST …/credentials as itself, kubectl works through
 * the local proxy, and an admin termination through the API ends a running watch.
 */
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startLocalKubeProxy, type LocalKubeProxy } from '../../desktop/src/core/kubernetes/local-proxy.ts';
import { writeSessionKubeconfig } from '../../desktop/src/core/kubernetes/kubeconfig.ts';
import { kubernetesAlpnHandler } from '../../gateway/src/kubernetes/alpn.ts';
import { createKubernetesSessionResolver, httpCredentialsFetcher } from '../../gateway/src/kubernetes/session-resolver.ts';
import { silentLogger } from '../../gateway/src/logger.ts';
import { SessionTerminationWatch, httpWatchSessions } from '../../gateway/src/ssh/termination-watch.ts';
import { createTestServer, type TestServer } from '../../server/src/test/harness.ts';
import { PKI_ENV, makeRequesterKeys, seedPkiWorld, type PkiWorld } from '../../server/src/services/pki/pki-world.test-support.ts';
import { kubernetesResourceInput } from '../../server/src/test/pam-fixtures.ts';
import { duplexPair } from '../fixtures/duplex-pair.ts';
import { startKubeApiServer, type KubeApiServer } from '../fixtures/kube-apiserver/index.ts';
import { captureOutput, KubectlSandbox, stop, waitFor } from '../fixtures/kube-apiserver/kubectl-runner.ts';
import { MemoryRecorder } from './kubernetes-harness.ts';

let server: TestServer;
let world: PkiWorld;
let cluster: KubeApiServer;
let sandbox: KubectlSandbox;
let terminations: SessionTerminationWatch;
let accountId: string;
const client = makeRequesterKeys('client');
const recorder = new MemoryRecorder();
const proxies: LocalKubeProxy[] = [];
let credentialRequests = 0;

/** fetch that lands in the in-process app: the gateway's HTTP client code runs unchanged. */
const appFetch = ((input: string | URL | Request, init?: RequestInit) => {
  if (String(input).endsWith('/credentials')) credentialRequests += 1;
  return server.app.request(new Request(input, init));
}) as typeof fetch;

beforeAll(async () => {
  [server, cluster, sandbox] = await Promise.all([
    createTestServer({ env: PKI_ENV }), startKubeApiServer({ token: 'sa-token-from-the-vault', pods: [{ name: 'web-1' }] }), KubectlSandbox.create(),
  ]);
  world = await seedPkiWorld(server);
  const admin = world.users.admin.token;
  const resource = await server.post('/api/v1/pam/resources/kubernetes',
    kubernetesResourceInput(world, { url: cluster.url, tls: { verify: true, caCertificate: cluster.caPem } }), admin);
  expect(resource.status).toBe(201);
  const account = await server.post('/api/v1/pam/accounts',
    { resourceId: resource.body.id, name: 'viewer', credential: { type: 'kubernetes-token', token: 'sa-token-from-the-vault' } }, admin);
  expect(account.status).toBe(201);
  accountId = account.body.id;
  terminations = new SessionTerminationWatch({
    watch: httpWatchSessions({ serverUrl: 'http://postern.test', token: () => world.gatewayIdentityA.token, waitSeconds: 20, fetch: appFetch }),
    log: silentLogger,
  });
}, 60_000);

afterAll(async () => {
  terminations?.stop();
  await Promise.all(proxies.map((p) => p.close()));
  await cluster?.close();
  await server?.close();
  await sandbox?.remove();
});

/** A member's session, then a local proxy whose streams reach the gateway handler over in-memory pairs. */
async function openSession(): Promise<{ sessionId: string; kubeconfig: string }> {
  const res = await server.post('/api/v1/pam/sessions', { accountId, durationSeconds: 600, csr: client.csr }, world.users.member.token);
  expect(res.status).toBe(201);
  const { sessionId, expiresAt } = res.body as { sessionId: string; expiresAt: string };
  const handler = kubernetesAlpnHandler({
    log: silentLogger, terminations,
    resolveSession: createKubernetesSessionResolver({
      fetchCredentials: httpCredentialsFetcher({ serverUrl: 'http://postern.test', token: () => world.gatewayIdentityA.token, fetch: appFetch }),
      recorderFor: () => recorder, logger: silentLogger,
    }),
  });
  const peer = { kind: 'session' as const, session: { orgId: world.a.org.id, gatewayId: world.a.gateway.id, sessionId, resourceId: '', accountId, actorId: undefined, notAfter: new Date(expiresAt) } };
  const proxy = await startLocalKubeProxy({
    openStream: async () => {
      const [clientSide, gatewaySide] = duplexPair();
      handler(gatewaySide as unknown as TLSSocket, peer);
      return clientSide;
    },
  });
  proxies.push(proxy);
  return { sessionId, kubeconfig: await writeSessionKubeconfig(sandbox.dir, { name: `postern-${sessionId}`, server: proxy.url }) };
}

it('kubectl works with the token the server keeps in its vault, fetched once per session by the gateway', async () => {
  const before = credentialRequests;
  const { kubeconfig } = await openSession();
  const result = await sandbox.run(kubeconfig, ['get', 'pods']);
  expect(result.stderr).toBe('');
  expect(result.stdout).toMatch(/web-1\s+1\/1\s+Running/);
  expect(new Set(cluster.requests.map((r) => r.bearerToken))).toEqual(new Set(['sa-token-from-the-vault']));
  expect(credentialRequests - before).toBe(1);
  expect(recorder.requests().some((e) => e.inferredCommand === 'kubectl get pods' && e.status === 200)).toBe(true);
});

it('an admin termination through the API ends a running watch within a second', async () => {
  const { sessionId, kubeconfig } = await openSession();
  const watch = sandbox.spawn(kubeconfig, ['get', 'pods', '--watch']);
  const output = captureOutput(watch);
  try {
    await waitFor(output.stdout, (out) => out.includes('web-1'), 10_000, 'the watch to list');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const terminatedAt = Date.now();
    expect((await server.post(`/api/v1/pam/sessions/${sessionId}/terminate`, {}, world.users.admin.token)).status).toBe(200);
    await waitFor(() => watch.exitCode, (code) => code !== null, 5_000, 'kubectl to see the watch end');
    const tookMs = Date.now() - terminatedAt;
    expect(tookMs).toBeLessThan(1_500);
    console.info(`admin termination → kubectl watch ended: ${tookMs} ms`);
  } finally {
    await stop(watch);
  }
});

it('a terminated session gets no token: kubectl is told why', async () => {
  const { sessionId, kubeconfig } = await openSession();
  expect((await server.post(`/api/v1/pam/sessions/${sessionId}/terminate`, {}, world.users.admin.token)).status).toBe(200);
  const result = await sandbox.run(kubeconfig, ['get', 'pods']);
  expect(result.code).toBe(1);
  expect(result.stderr).toContain(`Postern gateway: session ${sessionId} could not start`);
});
