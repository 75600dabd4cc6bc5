/**
 * What an enrolled gateway serves, wired to its server with its machine identity: the session
 * admission check, the SSH bridge (`postern-ssh`) and the Kubernetes proxy (`postern-k8s`), both
 * fetching credentials per session and recording into the encrypted spool in the data folder,
 * and the admin-termination watch. The one place main.ts builds GatewayDeps from.
 */
import { join } from 'node:path';
import { defaultAlpnHandlers } from './alpn-registry.ts';
import type { GatewayDeps } from './gateway.ts';
import type { GatewayServerClient } from './enrollment-api.ts';
import { createKubernetesSessionResolver, httpCredentialsFetcher } from './kubernetes/session-resolver.ts';
import type { GatewayLogger } from './logger.ts';
import { probeHandler } from './probe.ts';
import { RecordingSpool } from './recording/recording-spool.ts';
import { ALPN_PROTOCOLS } from '@postern/shared/relay/alpn';
import { httpSessionCheck } from './session-check.ts';
import { loadOrCreateHostKey } from './ssh/host-key.ts';
import { fetchSshSessionTarget } from './ssh/session-credentials.ts';
import { httpWatchSessions, SessionTerminationWatch } from './ssh/termination-watch.ts';

export interface EnrolledServices {
  /** Dependencies for one startGateway call (each call gets its own ALPN registry). */
  deps(): GatewayDeps;
  close(): Promise<void>;
}

export async function enrolledGatewayServices(client: GatewayServerClient, dataDir: string, log: GatewayLogger): Promise<EnrolledServices> {
  const api = { serverUrl: client.serverUrl, token: () => client.accessToken() };
  const terminations = new SessionTerminationWatch({ watch: httpWatchSessions(api), log });
  const spool = new RecordingSpool({ dir: join(dataDir, 'recordings'), server: api, log, watchEnd: (sessionId) => terminations.track(sessionId) });
  spool.start();
  const recorderFor = spool.recorderFor.bind(spool);
  const checkSession = httpSessionCheck({
    urlTemplate: `${client.serverUrl}/api/v1/pam/sessions/{sessionId}/status`, token: undefined,
    // The access token is renewed by signing in again, so it is asked for on each check.
    fetch: async (input, init) => fetch(input, { ...init, headers: { ...init?.headers as Record<string, string>, authorization: `Bearer ${await client.accessToken()}` } }),
  });
  const deps = (): GatewayDeps => ({
    checkSession, log,
    handlers: defaultAlpnHandlers().register(ALPN_PROTOCOLS.probe, probeHandler(log)),
    ssh: {
      resolveTarget: (sessionId) => fetchSshSessionTarget(api, sessionId),
      admitByTarget: true,
      hostKey,
      recorderFor, terminations, log,
    },
    kubernetes: {
      resolveSession: createKubernetesSessionResolver({ fetchCredentials: httpCredentialsFetcher(api), recorderFor, logger: log }),
      terminations, log,
    },
  });
  const hostKey = await loadOrCreateHostKey(join(dataDir, 'ssh_host_key'));
  return {
    deps,
    close: () => {
      terminations.stop();
      return spool.close();
    },
  };
}
