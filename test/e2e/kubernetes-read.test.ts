import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureOutput, stop, waitFor } from '../fixtures/kube-apiserver/kubectl-runner.ts';
import { startChain, type Chain } from './kubernetes-harness.ts';

describe('kubectl through the local proxy and the gateway: reads and streams', () => {
  let chain: Chain;

  beforeAll(async () => {
    chain = await startChain({
      cluster: {
        token: 'sa-token-gw-read',
        namespaces: ['default', 'kube-system', 'payments'],
        pods: [{ name: 'web-1', labels: { app: 'web' } }, { name: 'db-0', labels: { app: 'db' } }],
        deployments: [{ name: 'web', replicas: 2 }],
      },
    });
  });
  afterAll(async () => { await chain?.close(); });

  it('get pods prints the table, and the API server saw only the session token', async () => {
    const result = await chain.kubectl(['get', 'pods']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^NAME\s+READY\s+STATUS/);
    expect(result.stdout).toMatch(/web-1\s+1\/1\s+Running/);
    expect(chain.cluster.requests.length).toBeGreaterThan(0);
    expect(new Set(chain.cluster.requests.map((r) => r.bearerToken))).toEqual(new Set(['sa-token-gw-read']));
  });

  it('a token the client sends never reaches the API server', async () => {
    const result = await chain.kubectl(['get', 'namespaces', '--token', 'client-supplied-token']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/payments\s+Active/);
    expect(chain.cluster.requests.some((r) => r.bearerToken === 'client-supplied-token')).toBe(false);
    expect(chain.cluster.requests.findLast((r) => r.path === '/api/v1/namespaces')?.bearerToken).toBe('sa-token-gw-read');
  });

  it('describe pod shows the pod and its events', async () => {
    const result = await chain.kubectl(['describe', 'pod', 'web-1']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Name:\s+web-1/m);
    expect(result.stdout).toContain('Events:');
  });

  it('logs -f: a line appended while kubectl runs arrives before the command ends', async () => {
    chain.cluster.appendLog('default', 'web-1', 'first line\n');
    const child = chain.sandbox.spawn(chain.kubeconfig, ['logs', '-f', 'web-1']);
    const output = captureOutput(child);
    try {
      await waitFor(output.stdout, (out) => out.includes('first line'), 10_000, 'the existing log line');
      chain.cluster.appendLog('default', 'web-1', 'appended while following\n');
      await waitFor(output.stdout, (out) => out.includes('appended while following'), 5_000, 'the appended log line');
      expect(child.exitCode).toBeNull();
    } finally {
      await stop(child);
    }
  });

  it('get pods --watch delivers an event for a pod added later', async () => {
    const child = chain.sandbox.spawn(chain.kubeconfig, ['get', 'pods', '--watch']);
    const output = captureOutput(child);
    try {
      await waitFor(output.stdout, (out) => out.includes('web-1'), 10_000, 'the initial list');
      await waitFor(() => chain.cluster.requests.some((r) => r.query.watch?.[0] === 'true'), Boolean, 5_000, 'the watch request');
      chain.cluster.addPod({ name: 'late-arrival' });
      await waitFor(output.stdout, (out) => out.includes('late-arrival'), 5_000, 'the watch event');
    } finally {
      await stop(child);
    }
  });

  it('get deployments through an apps/v1 path', async () => {
    const result = await chain.kubectl(['get', 'deployments']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/web\s+\d\/2/);
  });

  it('the command log names the kubectl commands, their statuses, sizes and durations', async () => {
    const requests = chain.recorder.requests();
    if (process.env.POSTERN_PRINT_COMMAND_LOG) console.log(requests.map((e) => JSON.stringify(e)).join('\n'));
    const commands = requests.map((e) => e.inferredCommand);
    expect(commands).toEqual(expect.arrayContaining(['kubectl get pods', 'kubectl get namespaces', 'kubectl describe pods web-1', 'kubectl logs web-1 -f',
      'kubectl get pods --watch', 'kubectl get deployments']));
    const getPods = requests.find((e) => e.inferredCommand === 'kubectl get pods')!;
    expect(getPods).toMatchObject({ type: 'k8s.request', verb: 'list', method: 'GET', path: '/api/v1/namespaces/default/pods', namespace: 'default',
      resource: 'pods', status: 200, bytesIn: 0, kubectlCommand: 'kubectl get' });
    expect(getPods.kubectlSession).toMatch(/^[0-9a-f-]{36}$/);
    expect(getPods.bytesOut).toBeGreaterThan(100);
    expect(typeof getPods.durationMs).toBe('number');
    expect(Date.parse(String(getPods.time))).not.toBeNaN();
    const logs = requests.find((e) => e.inferredCommand === 'kubectl logs web-1 -f')!;
    expect(logs).toMatchObject({ verb: 'get', resource: 'pods', subresource: 'log', name: 'web-1', kubectlCommand: 'kubectl logs' });
    // Every request of one kubectl run shares its Kubectl-Session; discovery has no inferred command of its own.
    const discovery = requests.find((e) => e.path === '/api')!;
    expect(discovery).toMatchObject({ status: 200, kubectlCommand: 'kubectl get', inferredCommand: undefined });
    expect(requests.filter((e) => e.kubectlSession === discovery.kubectlSession).map((e) => e.inferredCommand)).toContain('kubectl get pods');
  });
});
