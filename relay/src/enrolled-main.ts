/**
 * The enrolled mode of `postern-relay` (POSTERN_RELAY_SERVER_URL set): enroll or reuse the
 * stored enrollment, start, renew at `renewAfter` (retry every 30 s on failure, the running
 * relay keeps its certificates meanwhile). The addresses the relay advertises default to its
 * listen addresses, so they must be concrete (no port 0) unless POSTERN_RELAY_CLIENT_ADDRESS /
 * POSTERN_RELAY_GATEWAY_SSH_ADDRESS name the public ones.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { configIssue, HOST_PORT_PATTERN, type EnvSource } from '@postern/shared/relay/config-material';
import { zRelayEnv } from './config.ts';
import { obtainRelayEnrollment, RelayEnrollmentRefusedError, relayConfigFromEnrollment, renewRelayEnrollment, type RelayEnrollmentOptions } from './enrollment.ts';
import type { RelayLog } from './log.ts';
import { startRelay, type RunningRelay } from './relay.ts';

const zEnrolledEnv = z.object({
  POSTERN_RELAY_SERVER_URL: z.string().url(),
  POSTERN_RELAY_ENROLLMENT_TOKEN: z.string().min(1).optional(),
  POSTERN_RELAY_ENROLLMENT_TOKEN_FILE: z.string().min(1).optional(),
  POSTERN_RELAY_NAME: z.string().min(1).max(100).default('managed-relay'),
  POSTERN_RELAY_DATA_DIR: z.string().min(1).default('./.postern-relay'),
  POSTERN_RELAY_CLIENT_ADDRESS: z.string().regex(HOST_PORT_PATTERN).optional(),
  POSTERN_RELAY_GATEWAY_SSH_ADDRESS: z.string().regex(HOST_PORT_PATTERN).optional(),
});

const RENEW_RETRY_MS = 30_000;

export function isEnrolledMode(env: EnvSource): boolean {
  return Boolean(env.POSTERN_RELAY_SERVER_URL);
}

export async function runEnrolledRelay(env: EnvSource, log: (relayId: string) => RelayLog): Promise<{ relay: RunningRelay; log: RelayLog; stop(): Promise<void> }> {
  const parsed = zEnrolledEnv.safeParse(env);
  if (!parsed.success) throw configIssue('Relay', parsed.error.issues[0]);
  const base = zRelayEnv.parse(env);
  const e = parsed.data;
  const token = e.POSTERN_RELAY_ENROLLMENT_TOKEN ?? (e.POSTERN_RELAY_ENROLLMENT_TOKEN_FILE ? readFileSync(e.POSTERN_RELAY_ENROLLMENT_TOKEN_FILE, 'utf8').trim() : undefined);
  if (!token) throw new Error('Relay configuration: set POSTERN_RELAY_ENROLLMENT_TOKEN or POSTERN_RELAY_ENROLLMENT_TOKEN_FILE to enroll with the server.');
  const address = (listen: { host: string; port: number }) => `${listen.host.includes(':') ? `[${listen.host}]` : listen.host}:${listen.port}`;
  const options: RelayEnrollmentOptions = {
    serverUrl: e.POSTERN_RELAY_SERVER_URL, token, name: e.POSTERN_RELAY_NAME, dataDir: e.POSTERN_RELAY_DATA_DIR,
    clientTlsAddress: e.POSTERN_RELAY_CLIENT_ADDRESS ?? address(base.POSTERN_RELAY_TLS_LISTEN),
    gatewaySshAddress: e.POSTERN_RELAY_GATEWAY_SSH_ADDRESS ?? address(base.POSTERN_RELAY_SSH_LISTEN),
  };
  const settings = {
    sshListen: base.POSTERN_RELAY_SSH_LISTEN, tlsListen: base.POSTERN_RELAY_TLS_LISTEN, firstFrameTimeoutMs: base.POSTERN_RELAY_FIRST_FRAME_TIMEOUT_MS,
    handshakeTimeoutMs: base.POSTERN_RELAY_HANDSHAKE_TIMEOUT_MS, channelOpenTimeoutMs: base.POSTERN_RELAY_CHANNEL_OPEN_TIMEOUT_MS,
    dataConnections: base.POSTERN_RELAY_DATA_CONNECTIONS,
    ...(base.POSTERN_RELAY_DATA_PORT ? { dataPort: base.POSTERN_RELAY_DATA_PORT } : {}),
  };
  const { keys, enrollment, reused } = await obtainRelayEnrollment(options);
  const relayLog = log(enrollment.relayId);
  relayLog(reused ? 'relay_enrollment_reused' : 'relay_enrolled', { relayId: enrollment.relayId, expiresAt: enrollment.expiresAt });
  const relay = await startRelay(relayConfigFromEnrollment(settings, keys, enrollment), relayLog);
  let current = enrollment;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = (delayMs: number) => {
    timer = setTimeout(renew, Math.max(0, Math.min(delayMs, 2 ** 31 - 1)));
    timer.unref?.();
  };
  const renew = () => {
    renewRelayEnrollment(options, keys, current).then((renewed) => {
      current = renewed;
      relay.updateCredentials(relayConfigFromEnrollment(settings, keys, renewed));
      relayLog('relay_renewed', { expiresAt: renewed.expiresAt });
      arm(Date.parse(renewed.renewAfter) - Date.now());
    }, (error: Error) => {
      if (error instanceof RelayEnrollmentRefusedError && error.code === 'relay_revoked') {
        // A revoked relay must not keep carrying traffic on its still-valid certificates.
        relayLog('relay_revoked', { error: error.message });
        void relay.close().finally(() => process.exit(3));
        return;
      }
      relayLog('relay_renew_failed', { error: error.message, retryInMs: RENEW_RETRY_MS });
      arm(RENEW_RETRY_MS);
    });
  };
  arm(Date.parse(current.renewAfter) - Date.now());
  return { relay, log: relayLog, stop: async () => { clearTimeout(timer); await relay.close(); } };
}
