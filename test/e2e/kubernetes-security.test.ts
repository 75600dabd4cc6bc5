import { afterEach, describe, expect, it } from 'vitest';
import { startKubeApiServer } from '../fixtures/kube-apiserver/index.ts';
import { captureOutput, stop, waitFor } from '../fixtures/kube-apiserver/kubectl-runner.ts';
import { startChain, type Chain } from './kubernetes-harness.ts';

const pods = [{ name: 'web-1' }];

describe('kubectl through the gateway: credentials, TLS to the API server, expiry', () => {
  const chains: Chain[] = [];
  const chain = async (options: Parameters<typeof startChain>[0]) => {
    const started = await startChain(options);
    chains.push(started);
    return started;
  };
  afterEach(async () => { await Promise.all(chains.splice(0).map((c) => c.close())); });

  it('a wrong token at the resource gives kubectl a clear Unauthorized', async () => {
    const c = await chain({ cluster: { token: 'the-real-token', pods }, gatewayToken: 'a-stale-token' });
    const result = await c.kubectl(['get', 'pods']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Unauthorized|provide credentials/);
    expect(c.recorder.requests().some((e) => e.status === 401)).toBe(true);
  });

  it('what the token may not do is a clear Forbidden, logged with its status', async () => {
    const c = await chain({ cluster: { token: 'sa-token-rbac', pods, forbidden: [{ verb: 'list', resource: 'pods', namespace: 'kube-system' }] } });
    const result = await c.kubectl(['get', 'pods', '-n', 'kube-system']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Error from server (Forbidden)');
    expect(c.recorder.requests().findLast((e) => e.resource === 'pods')).toMatchObject({ status: 403, namespace: 'kube-system', verb: 'list' });
  });

  it('auth can-i: a protobuf request body goes through and is counted; the answer follows the rules', async () => {
    const c = await chain({ cluster: { token: 'sa-token-can-i', pods, forbidden: [{ verb: 'list', resource: 'pods', namespace: 'kube-system' }] } });
    expect(await c.kubectl(['auth', 'can-i', 'list', 'pods'])).toMatchObject({ code: 0, stdout: 'yes\n' });
    expect(await c.kubectl(['auth', 'can-i', 'list', 'pods', '-n', 'kube-system'])).toMatchObject({ code: 1, stdout: 'no\n' });
    const reviews = c.recorder.requests().filter((e) => e.resource === 'selfsubjectaccessreviews');
    expect(reviews).toHaveLength(2);
    expect(reviews[0]).toMatchObject({ method: 'POST', verb: 'create', status: 201, kubectlCommand: 'kubectl auth can-i', inferredCommand: 'kubectl auth can-i' });
    expect(reviews[0]!.bytesIn).toBeGreaterThan(20);
  });

  it('impersonation headers are refused at the gateway and never reach the API server', async () => {
    const c = await chain({ cluster: { token: 'sa-token-imp', pods } });
    const result = await c.kubectl(['get', 'pods', '--as', 'cluster-admin']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('does not allow impersonation (impersonate-user)');
    if (process.env.POSTERN_PRINT_KUBECTL) console.log(result.stderr);
    expect(c.cluster.requests.some((r) => r.path.endsWith('/pods'))).toBe(false);
  });

  it('TLS verification with the right CA works; with another CA it fails clearly; verify=false works', async () => {
    const other = await startKubeApiServer({ token: 'unused' });
    try {
      const wrongCa = await chain({ cluster: { token: 'sa-token-tls', pods }, tls: () => ({ verify: true, caCertificate: other.caPem }) });
      const refused = await wrongCa.kubectl(['get', 'pods']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('failed TLS verification');
      if (process.env.POSTERN_PRINT_KUBECTL) console.log(refused.stderr);
      expect(wrongCa.cluster.requests).toEqual([]);
      expect(wrongCa.recorder.requests()[0]).toMatchObject({ status: 502 });
    } finally {
      await other.close();
    }
    const rightCa = await chain({ cluster: { token: 'sa-token-tls', pods }, tls: (cluster) => ({ verify: true, caCertificate: cluster.caPem }) });
    expect((await rightCa.kubectl(['get', 'pods'])).code).toBe(0);
    const unverified = await chain({ cluster: { token: 'sa-token-tls', pods }, tls: () => ({ verify: false }) });
    const result = await unverified.kubectl(['get', 'pods']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('web-1');
  });

  it('at the session end the local proxy closes, a running watch ends, and new commands fail', async () => {
    const expiresAt = new Date(Date.now() + 4_000);
    const c = await chain({ cluster: { token: 'sa-token-expiry', pods }, expiresAt });
    const watch = c.sandbox.spawn(c.kubeconfig, ['get', 'pods', '--watch']);
    const output = captureOutput(watch);
    try {
      await waitFor(output.stdout, (out) => out.includes('web-1'), 10_000, 'the watch to list');
      expect(await c.proxy.closed).toBe('expired');
      expect(Date.now()).toBeGreaterThanOrEqual(expiresAt.getTime());
      await waitFor(() => watch.exitCode, (code) => code !== null, 10_000, 'the watch to end');
      const after = await c.kubectl(['get', 'pods'], { timeoutMs: 10_000 });
      expect(after.code).toBe(1);
      expect(after.stderr).toMatch(/connection to the server 127\.0\.0\.1:\d+ was refused/);
    } finally {
      await stop(watch);
    }
  });

  it('the first kubectl connection uses a stream dialled ahead of time', async () => {
    const c = await chain({ cluster: { token: 'sa-token-predial', pods } });
    await waitFor(c.streamsOpened, (n) => n === 1, 2_000, 'the pre-dialled stream');
    expect((await c.kubectl(['get', 'pods'])).code).toBe(0);
    expect(c.streamsOpened()).toBeGreaterThanOrEqual(2);
  });
});
