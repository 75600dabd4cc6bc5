/**
 * Kubernetes proxy benchmark: the same requests to the test API server directly and through
 * local proxy → in-memory stream → gateway handler (token injection, command log, exec
 * recording), on loopback. The relay and inner TLS hops are measured by bench/transport.ts.
 *
 *   node --import tsx bench/kubernetes-proxy.ts [megabytes=32] [requests=300]
 */
import { request as httpRequest, Agent as HttpAgent } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NO_RECORDING, type SessionRecorder } from '../shared/src/recording/recorder.ts';
import { ExecStreamRecorder } from '../shared/src/kubernetes/exec-recording.ts';
import { WebSocketOpcode, encodeWebSocketFrame } from '../shared/src/kubernetes/websocket-frames.ts';
import { startChain } from '../test/e2e/kubernetes-harness.ts';
import { buildKubeconfig } from '../test/fixtures/kube-apiserver/index.ts';
import { report } from './lib/report.ts';

const megabytes = Number(process.argv[2] ?? 32);
const requests = Number(process.argv[3] ?? 300);
const token = 'bench-token';

interface Endpoint { get(path: string): Promise<number> }

function endpoint(url: string, ca?: string): Endpoint {
  const secure = url.startsWith('https:');
  const agent = secure ? new HttpsAgent({ keepAlive: true, maxSockets: 1, ca }) : new HttpAgent({ keepAlive: true, maxSockets: 1 });
  const send = secure ? httpsRequest : httpRequest;
  return {
    get: (path) => new Promise((resolve, reject) => {
      const req = send(`${url}${path}`, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
        let bytes = 0;
        res.on('data', (d: Buffer) => { bytes += d.length; });
        res.on('end', () => resolve(bytes));
      });
      req.on('error', reject);
      req.end();
    }),
  };
}

async function latencyMs(target: Endpoint): Promise<{ median: number; p99: number }> {
  const samples: number[] = [];
  for (let i = 0; i < requests; i += 1) {
    const started = performance.now();
    await target.get('/api/v1/namespaces/default/pods/web-1');
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return { median: samples[Math.floor(samples.length / 2)]!, p99: samples[Math.floor(samples.length * 0.99)]! };
}

async function logMBps(target: Endpoint): Promise<number> {
  const started = performance.now();
  const bytes = await target.get('/api/v1/namespaces/default/pods/web-1/log');
  return bytes / 1e6 / ((performance.now() - started) / 1000);
}

/** The exec recorder alone: server WebSocket frames of 32 KiB stdout, fed in 64 KiB chunks. */
function execParsingMBps(): number {
  const frame = encodeWebSocketFrame({ fin: true, opcode: WebSocketOpcode.Binary, data: Buffer.concat([Buffer.from([1]), Buffer.alloc(32 * 1024, 0x61)]) });
  const wire = Buffer.concat(Array.from({ length: megabytes * 32 }, () => frame));
  const recorder = new ExecStreamRecorder({ transport: 'websocket', protocol: 'v5.channel.k8s.io', terminal: NO_RECORDING.openTerminal({ cols: 80, rows: 24 }) });
  const started = performance.now();
  for (let at = 0; at < wire.length; at += 65_536) recorder.fromServer(wire.subarray(at, at + 65_536));
  return wire.length / 1e6 / ((performance.now() - started) / 1000);
}

async function execSeconds(run: () => Promise<{ code: number | null; stdout: string }>): Promise<number> {
  const started = performance.now();
  const result = await run();
  if (result.code !== 0 || result.stdout.length !== megabytes * 1_048_576) throw new Error(`exec failed: code ${result.code}, ${result.stdout.length} bytes`);
  return (performance.now() - started) / 1000;
}

/** Parses every exec frame into a terminal recorder that keeps nothing: the cost of the parsing, not of a store. */
const discardingRecorder: SessionRecorder = { ...NO_RECORDING };
const chain = await startChain({ cluster: { token, pods: [{ name: 'web-1' }] }, sessionRecorder: discardingRecorder });
try {
  const line = `${'x'.repeat(1023)}\n`;
  for (let i = 0; i < megabytes * 1024; i += 1) chain.cluster.appendLog('default', 'web-1', line);
  chain.cluster.setExecHandler((_request, io) => {
    const block = Buffer.alloc(1_048_576, 0x61);
    for (let i = 0; i < megabytes; i += 1) io.writeStdout(block);
    return 0;
  });
  const direct = endpoint(chain.cluster.url, chain.cluster.caPem);
  const proxied = endpoint(chain.proxy.url);
  const directKubeconfig = join(chain.sandbox.dir, 'direct.yaml');
  await writeFile(directKubeconfig, buildKubeconfig({ server: chain.cluster.url, caPem: chain.cluster.caPem, token }));
  await latencyMs(direct);
  await latencyMs(proxied);
  const rows: [string, string, string][] = [];
  const [dl, pl] = [await latencyMs(direct), await latencyMs(proxied)];
  rows.push(['GET pod (keep-alive), median / p99 ms', `${dl.median.toFixed(2)} / ${dl.p99.toFixed(2)}`, `${pl.median.toFixed(2)} / ${pl.p99.toFixed(2)}`]);
  report({ measure: 'Kubernetes GET pod p50 (keep-alive)', unit: 'ms', value: pl.median, better: 'lower', baseline: { name: 'direct', value: dl.median } });
  const [directLog, proxiedLog] = [await logMBps(direct), await logMBps(proxied)];
  rows.push([`GET ${megabytes} MB log, MB/s`, directLog.toFixed(0), proxiedLog.toFixed(0)]);
  report({ measure: `Kubernetes ${megabytes} MB log stream`, unit: 'MB/s', value: proxiedLog, better: 'higher', baseline: { name: 'direct', value: directLog } });
  const execArgs = ['exec', 'web-1', '--', 'big'];
  const viaKubectl = async (kubeconfig: string, env: Record<string, string> = {}) => execSeconds(() => chain.sandbox.run(kubeconfig, execArgs, { env, timeoutMs: 120_000 }));
  for (const [name, env] of [['WebSocket', {}], ['SPDY', { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' }]] as const) {
    const [d, p] = [await viaKubectl(directKubeconfig, env), await viaKubectl(chain.kubeconfig, env)];
    rows.push([`kubectl exec ${megabytes} MB stdout (${name}), MB/s (recorded when proxied)`, (megabytes / d).toFixed(0), (megabytes / p).toFixed(0)]);
    report({ measure: `kubectl exec ${megabytes} MB stdout (${name}, recorded)`, unit: 'MB/s', value: megabytes / p, better: 'higher', baseline: { name: 'direct', value: megabytes / d } });
  }
  rows.push(['exec recorder alone (WebSocket frames, no I/O), MB/s', '-', execParsingMBps().toFixed(0)]);
  const getPods = async (kubeconfig: string) => {
    const started = performance.now();
    for (let i = 0; i < 5; i += 1) await chain.sandbox.run(kubeconfig, ['get', 'pods']);
    return (performance.now() - started) / 5;
  };
  await getPods(directKubeconfig);
  rows.push(['kubectl get pods wall time (warm cache), ms', (await getPods(directKubeconfig)).toFixed(0), (await getPods(chain.kubeconfig)).toFixed(0)]);
  console.log(['measure | direct | through local proxy + gateway', '---|---|---', ...rows.map((r) => r.join(' | '))].join('\n'));
} finally {
  await chain.close();
}
