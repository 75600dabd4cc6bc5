/**
 * The real transport for Kubernetes tests: the `postern-relay` process, a session-check endpoint,
 * and an in-process gateway (tunnel client, inner TLS, the postern-k8s handler and session
 * resolver) whose credentials answer points at a test API server. Only the server's answer is faked.
 */
import { loadGatewayConfig } from '../../gateway/src/config.ts';
import { startGateway, type RunningGateway } from '../../gateway/src/gateway.ts';
import { createKubernetesSessionResolver } from '../../gateway/src/kubernetes/session-resolver.ts';
import { silentLogger } from '../../gateway/src/logger.ts';
import { httpSessionCheck } from '../../gateway/src/session-check.ts';
import { SessionTerminationWatch } from '../../gateway/src/ssh/termination-watch.ts';
import { TransportPki } from '../../shared/src/relay/transport-pki.test-support.ts';
import type { KubeApiServer } from '../fixtures/kube-apiserver/index.ts';
import { MemoryRecorder } from './kubernetes-harness.ts';
import { gatewayEnv, startRelayProcess, startSessionCheck, type RelayProcess } from './transport-harness.ts';

export interface KubernetesTransport {
  pki: TransportPki;
  materials: ReturnType<TransportPki['relayMaterials']>;
  relay: RelayProcess;
  sessionCheck: Awaited<ReturnType<typeof startSessionCheck>>;
  gateway: RunningGateway;
  recorder: MemoryRecorder;
  credentialFetches(): number;
  /** Ends a session as an admin would: the gateway's termination watch hears of it at once. */
  terminate(sessionId: string): void;
  close(): Promise<void>;
}

export async function startKubernetesTransport(org: { orgId: string; gatewayId: string }, cluster: KubeApiServer, token: string): Promise<KubernetesTransport> {
  const pki = new TransportPki();
  const materials = pki.relayMaterials();
  const [relay, sessionCheck] = await Promise.all([startRelayProcess(materials), startSessionCheck()]);
  const config = loadGatewayConfig(gatewayEnv(pki, materials, { ...org, relaySshPort: relay.sshPort, sessionCheckUrl: sessionCheck.url }));
  const recorder = new MemoryRecorder();
  let fetches = 0;
  // The server's long-poll, answered from here: a poll returns when a watched session is terminated.
  const terminated = new Set<string>();
  const wakeUps = new Set<() => void>();
  const terminations = new SessionTerminationWatch({
    log: silentLogger, retryMs: 50,
    watch: (sessionIds, signal) => new Promise((resolve) => {
      const check = () => {
        const ended = sessionIds.filter((id) => terminated.has(id)).map((sessionId) => ({ sessionId, status: 'terminated' }));
        if (ended.length > 0 || signal.aborted) { wakeUps.delete(check); resolve(ended); }
      };
      wakeUps.add(check);
      signal.addEventListener('abort', check, { once: true });
      check();
    }),
  });
  const gateway = startGateway(config, {
    checkSession: httpSessionCheck(config.sessionCheck), log: silentLogger,
    kubernetes: { log: silentLogger, terminations, resolveSession: createKubernetesSessionResolver({
      fetchCredentials: async (sessionId) => {
        fetches += 1;
        return {
          sessionId, expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
          target: { type: 'kubernetes', url: cluster.url, tlsVerify: true, caCertificate: cluster.caPem },
          credential: { type: 'kubernetes-token', token },
        };
      },
      recorderFor: () => recorder, logger: silentLogger,
    }) },
  });
  await gateway.connected();
  return {
    pki, materials, relay, sessionCheck, gateway, recorder, credentialFetches: () => fetches,
    terminate: (sessionId) => {
      terminated.add(sessionId);
      for (const wake of [...wakeUps]) wake();
    },
    close: async () => {
      terminations.stop();
      gateway.close();
      await Promise.all([relay.kill(), sessionCheck.close()]);
    },
  };
}
