import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defaultExecHandler } from '../fixtures/kube-apiserver/exec-handlers.ts';
import type { ExecHandler } from '../fixtures/kube-apiserver/index.ts';
import { captureOutput, roundTrip, stop, waitFor } from '../fixtures/kube-apiserver/kubectl-runner.ts';
import { startChain, type Chain } from './kubernetes-harness.ts';

/** kubectl 1.32 execs over WebSocket v5 and falls back to SPDY/3.1; both go through the gateway and are recorded. */
const transports = [
  { name: 'WebSocket v5', env: {}, upgrade: 'websocket', method: 'GET' },
  { name: 'SPDY/3.1', env: { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' }, upgrade: 'SPDY/3.1', method: 'POST' },
] as const;

/** Prints the first terminal size, then echoes keystrokes until "quit" (exit 7). */
const ttyEcho: ExecHandler = async (_request, io) => {
  const size = io.resizes[0] ?? await new Promise<{ width: number; height: number } | undefined>((resolve) => {
    const timer = setTimeout(() => resolve(undefined), 5_000);
    io.onResize((s) => { clearTimeout(timer); resolve(s); });
  });
  io.writeStdout(`size=${size?.width}x${size?.height}\r\n`);
  let typed = '';
  for await (const chunk of io.stdin) {
    typed += chunk.toString();
    io.writeStdout(chunk);
    if (typed.includes('quit')) return 7;
  }
  return 0;
};

describe.each(transports)('kubectl exec over $name through the gateway', (transport) => {
  let chain: Chain;
  const exec = (args: string[], stdin?: string) => chain.kubectl(['exec', ...args], { env: transport.env, ...(stdin !== undefined ? { stdin } : {}) });
  const lastTerminal = () => chain.recorder.terminals.at(-1)!;

  beforeAll(async () => {
    chain = await startChain({ cluster: { token: 'sa-token-gw-exec', pods: [{ name: 'web-1' }] } });
  });
  afterAll(async () => { await chain?.close(); });

  it('exec -- echo hi prints hi, exits 0, and is recorded as a terminal with its command', async () => {
    const result = await exec(['web-1', '--', 'echo', 'hi']);
    expect(result).toMatchObject({ code: 0, stdout: 'hi\n' });
    const upstream = chain.cluster.requests.findLast((r) => r.path.endsWith('/pods/web-1/exec'));
    expect(upstream).toMatchObject({ method: transport.method, upgrade: transport.upgrade, status: 101, bearerToken: 'sa-token-gw-exec' });
    await waitFor(() => lastTerminal()?.closed, Boolean, 5_000, 'the recorded terminal to close');
    expect(lastTerminal()).toMatchObject({ start: { command: 'echo hi' }, output: 'hi\n', exitCode: 0 });
    const logged = chain.recorder.requests().findLast((e) => e.subresource === 'exec');
    expect(logged).toMatchObject({ status: 101, kubectlCommand: 'kubectl exec', inferredCommand: 'kubectl exec web-1 -- echo hi', method: transport.method });
    expect(logged!.bytesOut).toBeGreaterThan(0);
  });

  it('a non-zero exit code passes through to kubectl and into the recording', async () => {
    const result = await exec(['web-1', '--', 'sh', '-c', 'exit 3']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('command terminated with exit code 3');
    await waitFor(() => lastTerminal()?.closed, Boolean, 5_000, 'the recorded terminal to close');
    expect(lastTerminal().exitCode).toBe(3);
  });

  it('stdin is forwarded and recorded as input', async () => {
    const result = await exec(['-i', 'web-1', '--', 'cat'], 'typed by the user\n');
    expect(result).toMatchObject({ code: 0, stdout: 'typed by the user\n' });
    await waitFor(() => lastTerminal()?.closed, Boolean, 5_000, 'the recorded terminal to close');
    expect(lastTerminal()).toMatchObject({ input: 'typed by the user\n', output: 'typed by the user\n', exitCode: 0 });
  });

  it('exec -it: the terminal size and keystrokes go through and are recorded', async () => {
    chain.cluster.setExecHandler(ttyEcho);
    try {
      // `script` gives kubectl a real pseudo-terminal, as an engineer's shell would.
      const child = spawn('script', ['-qfec', 'stty cols 101 rows 31; kubectl exec -it web-1 -- probe', '/dev/null'],
        { env: chain.sandbox.env(chain.kubeconfig, transport.env) });
      const output = captureOutput(child);
      const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await waitFor(output.stdout, (out) => out.includes('size='), 15_000, 'the size banner');
      child.stdin.write('hello quit');
      const code = await new Promise((resolve) => child.once('close', resolve));
      clearTimeout(killer);
      expect(output.stdout()).toContain('size=101x31');
      expect(code).toBe(7);
      await waitFor(() => lastTerminal()?.closed, Boolean, 5_000, 'the recorded terminal to close');
      expect(lastTerminal()).toMatchObject({ input: 'hello quit', exitCode: 7 });
      expect(lastTerminal().resizes).toContainEqual([101, 31]);
      expect(lastTerminal().output).toContain('size=101x31');
    } finally {
      chain.cluster.setExecHandler(defaultExecHandler);
    }
  });
});

const portForwardTransports: { name: string; env: Record<string, string> }[] = [
  { name: 'SPDY over WebSocket', env: {} },
  { name: 'SPDY/3.1', env: { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' } },
];

describe.each(portForwardTransports)('kubectl port-forward over $name through the gateway', (transport) => {
  let chain: Chain;
  let echo: Server;
  const running: ChildProcessWithoutNullStreams[] = [];

  beforeAll(async () => {
    echo = createServer((socket) => { socket.write('hello from the pod\n'); socket.pipe(socket); });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    chain = await startChain({ cluster: { token: 'sa-token-gw-pf', pods: [{ name: 'web-1' }] } });
    chain.cluster.setPortForwardTarget('default', 'web-1', 8080, { host: '127.0.0.1', port: (echo.address() as AddressInfo).port });
  });
  afterEach(async () => { await Promise.all(running.splice(0).map(stop)); });
  afterAll(async () => {
    await chain?.close();
    await new Promise((resolve) => echo?.close(resolve));
  });

  it('bytes reach the pod port and come back', async () => {
    const child = chain.sandbox.spawn(chain.kubeconfig, ['port-forward', '--address', '127.0.0.1', 'pod/web-1', ':8080'], transport.env);
    running.push(child);
    const output = captureOutput(child);
    const line = await waitFor(output.stdout, (out) => /Forwarding from 127\.0\.0\.1:\d+/.test(out), 10_000, 'the local listener');
    const port = Number(/127\.0\.0\.1:(\d+)/.exec(line)![1]);
    const reply = await roundTrip(port, 'ping through postern\n');
    expect(reply).toContain('hello from the pod');
    expect(reply).toContain('ping through postern');
    const upgrade = chain.cluster.requests.findLast((r) => r.path.endsWith('/portforward'));
    expect(upgrade).toMatchObject({ status: 101, bearerToken: 'sa-token-gw-pf' });
  });
});
