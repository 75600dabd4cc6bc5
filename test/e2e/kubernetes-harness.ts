import pino from 'pino';
import type { SessionEvent, SessionRecorder, TerminalRecorder, TerminalStart } from '../../shared/src/recording/recorder.ts';
import { handleKubernetesConnection, type KubernetesConnectionContext } from '../../gateway/src/kubernetes/proxy.ts';
import { startLocalKubeProxy, type LocalKubeProxy } from '../../desktop/src/core/kubernetes/local-proxy.ts';
import { writeSessionKubeconfig } from '../../desktop/src/core/kubernetes/kubeconfig.ts';
import { startKubeApiServer, type KubeApiServer, type KubeApiServerOptions } from '../fixtures/kube-apiserver/index.ts';
import { KubectlSandbox, type KubectlResult } from '../fixtures/kube-apiserver/kubectl-runner.ts';
import { duplexPair } from '../fixtures/duplex-pair.ts';

/**
 * kubectl → local proxy → in-memory stream pair → gateway Kubernetes handler → test API server.
 * The pair stands in for the relay and the inner mTLS, which are tested on their own.
 */

export interface RecordedTerminal {
  start: TerminalStart;
  output: string;
  input: string;
  resizes: [number, number][];
  exitCode: number | null | undefined;
  closed: boolean;
}

/** Keeps what the gateway recorded, for the assertions. */
export class MemoryRecorder implements SessionRecorder {
  readonly events: SessionEvent[] = [];
  readonly terminals: RecordedTerminal[] = [];

  openTerminal(start: TerminalStart): TerminalRecorder {
    const terminal: RecordedTerminal = { start, output: '', input: '', resizes: [], exitCode: undefined, closed: false };
    this.terminals.push(terminal);
    return {
      output: (data) => { terminal.output += Buffer.from(data).toString(); },
      input: (data) => { terminal.input += Buffer.from(data).toString(); },
      resize: (cols, rows) => terminal.resizes.push([cols, rows]),
      close: (exitCode) => { terminal.closed = true; terminal.exitCode = exitCode; },
    };
  }

  event(event: SessionEvent): void {
    this.events.push(event);
  }

  requests(): SessionEvent[] {
    return this.events.filter((e) => e.type === 'k8s.request');
  }
}

export interface ChainOptions {
  cluster: KubeApiServerOptions;
  /** What the gateway believes about the API server's TLS; default: verify against the fixture's CA. */
  tls?: (cluster: KubeApiServer) => KubernetesConnectionContext['target']['tls'];
  /** The token the gateway injects; default: the one the cluster accepts. */
  gatewayToken?: string;
  expiresAt?: Date;
  allowImpersonation?: boolean;
  /** What the gateway records to; default: a MemoryRecorder the test can read (chain.recorder). */
  sessionRecorder?: SessionRecorder;
}

export interface Chain {
  cluster: KubeApiServer;
  proxy: LocalKubeProxy;
  recorder: MemoryRecorder;
  sandbox: KubectlSandbox;
  kubeconfig: string;
  streamsOpened: () => number;
  kubectl(args: string[], opts?: { stdin?: string; env?: Record<string, string>; timeoutMs?: number }): Promise<KubectlResult>;
  close(): Promise<void>;
}

export const silentLogger = pino({ level: 'silent' });

export async function startChain(options: ChainOptions): Promise<Chain> {
  const cluster = await startKubeApiServer(options.cluster);
  const recorder = new MemoryRecorder();
  const tls = options.tls?.(cluster) ?? { verify: true, caCertificate: cluster.caPem };
  const ctx: KubernetesConnectionContext = {
    sessionId: 'ses_k8s_test', target: { url: cluster.url, tls }, token: options.gatewayToken ?? options.cluster.token,
    recorder: options.sessionRecorder ?? recorder, logger: silentLogger, expiresAt: options.expiresAt ?? new Date(Date.now() + 3_600_000),
    ...(options.allowImpersonation ? { allowImpersonation: true } : {}),
  };
  let opened = 0;
  const proxy = await startLocalKubeProxy({
    openStream: async () => {
      opened += 1;
      const [clientEnd, gatewayEnd] = duplexPair();
      handleKubernetesConnection(gatewayEnd, ctx);
      return clientEnd;
    },
    ...(options.expiresAt ? { expiresAt: options.expiresAt } : {}),
  });
  const sandbox = await KubectlSandbox.create();
  const kubeconfig = await writeSessionKubeconfig(sandbox.dir, { name: 'postern-test-cluster', server: proxy.url, namespace: 'default' });
  return {
    cluster, proxy, recorder, sandbox, kubeconfig, streamsOpened: () => opened,
    kubectl: (args, opts) => sandbox.run(kubeconfig, args, opts),
    close: async () => {
      await proxy.close();
      await cluster.close();
      await sandbox.remove();
    },
  };
}
