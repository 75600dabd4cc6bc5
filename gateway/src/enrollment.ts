/**
 * An enrolled gateway's life: enroll once (or reuse the certificates in its data folder while
 * they are valid, so a restart makes no call), start the tunnel to the relay the server named,
 * renew at the server's `renewAfter` (two thirds of the lifetime) with backoff on failure, and
 * enroll again when the server no longer knows the enrollment. A revoked gateway stops: it gets
 * no certificate, and its tunnel is closed.
 */
import { splitHostPort } from '@postern/shared/relay/config-material';
import { DEFAULT_BACKOFF, backoffDelay } from './backoff.ts';
import { identityOf, type GatewayConfig } from './config.ts';
import { EnrollmentRefusedError, type EnrollmentAnswer, type GatewayServerClient } from './enrollment-api.ts';
import { enrollmentRequestFor, loadOrCreateGatewayKeys, readEnrollment, writeEnrollment, type GatewayKeys } from './enrollment-state.ts';
import type { GatewayLogger } from './logger.ts';

export interface EnrolledGatewayOptions {
  client: GatewayServerClient;
  dataDir: string;
  /** Only when the machine identity serves several gateways. */
  gatewayId?: string | undefined;
  /** Settings not given by enrollment (timeouts, backoff, log level) from loadGatewayTuning. */
  tuning: Omit<GatewayConfig, 'gatewayId' | 'orgId' | 'relay' | 'sshPrivateKey' | 'sshCertificate' | 'tlsCertificate' | 'tlsKey' | 'tlsClientCa' | 'sessionCheck'>;
  log: GatewayLogger;
  now?: () => Date;
}

/** The gateway's current credentials: from its data folder if still valid, else from a fresh enrollment. */
export async function obtainEnrollment(options: EnrolledGatewayOptions): Promise<{ keys: GatewayKeys; answer: EnrollmentAnswer }> {
  const keys = loadOrCreateGatewayKeys(options.dataDir);
  const stored = readEnrollment(options.dataDir);
  const now = (options.now ?? (() => new Date()))().getTime();
  if (stored && Date.parse(stored.expiresAt) > now && (!options.gatewayId || stored.gatewayId === options.gatewayId)) {
    // A restart renews instead of enrolling (same keys, same relay), so a revoked gateway learns it
    // here and stops; if the server cannot be reached, the stored certificates carry on.
    try {
      return { keys, answer: await renewEnrollment(options, keys, stored) };
    } catch (error) {
      if (error instanceof EnrollmentRefusedError && error.code === 'gateway_revoked') throw error;
      options.log.warn({ event: 'gateway_enrollment_reused', gatewayId: stored.gatewayId, expiresAt: stored.expiresAt, error: (error as Error).message }, 'renewal at start failed; using the stored certificates');
      return { keys, answer: stored };
    }
  }
  const answer = await options.client.enroll('enroll', enrollmentRequestFor(keys, options.gatewayId));
  writeEnrollment(options.dataDir, answer);
  options.log.info({ event: 'gateway_enrolled', gatewayId: answer.gatewayId, relay: answer.relay.gatewaySshAddress, expiresAt: answer.expiresAt }, 'enrolled');
  return { keys, answer };
}

/** Renews (or re-enrolls after a refusal for an unknown enrollment); a revoked gateway throws. */
export async function renewEnrollment(options: EnrolledGatewayOptions, keys: GatewayKeys, current: EnrollmentAnswer): Promise<EnrollmentAnswer> {
  const body = enrollmentRequestFor(keys, options.gatewayId ?? current.gatewayId);
  let answer: EnrollmentAnswer;
  try {
    answer = await options.client.enroll('renew', body);
  } catch (error) {
    if (!(error instanceof EnrollmentRefusedError) || error.code !== 'gateway_not_enrolled') throw error;
    options.log.warn({ event: 'gateway_reenrolling', reason: error.code }, 'the server does not know this enrollment; enrolling again');
    answer = await options.client.enroll('enroll', body);
  }
  writeEnrollment(options.dataDir, answer);
  options.log.info({ event: 'gateway_renewed', gatewayId: answer.gatewayId, expiresAt: answer.expiresAt, renewAfter: answer.renewAfter }, 'certificates renewed');
  return answer;
}

/** A GatewayConfig built from the enrollment: the relay the server named, its CAs, our certificates. */
export function gatewayConfigFromEnrollment(options: EnrolledGatewayOptions, keys: GatewayKeys, answer: EnrollmentAnswer): GatewayConfig {
  const relay = splitHostPort(answer.relay.gatewaySshAddress);
  const identity = identityOf(answer.tlsCertificate, answer.sshCertificate);
  return {
    ...options.tuning,
    ...identity,
    relay: { host: relay.host, port: relay.port, hostPrincipal: relay.host, hostCaKeys: answer.relaySshServerCaPublicKeys },
    sshPrivateKey: keys.sshPrivateKey,
    sshCertificate: answer.sshCertificate.trim(),
    tlsCertificate: answer.tlsCertificate,
    tlsKey: keys.tlsKey,
    tlsClientCa: answer.gatewayClientCaCertificates.join('\n'),
    sessionCheck: { urlTemplate: `${options.client.serverUrl}/api/v1/pam/sessions/{sessionId}/status`, token: undefined },
  };
}

export interface RenewalSchedule {
  stop(): void;
}

/**
 * Renews at `renewAfter`; on failure retries with exponential backoff (capped at a minute, never
 * past expiry). `onRenewed` applies the new certificates; `onRevoked` is called once and ends it.
 */
export function scheduleRenewals(
  options: EnrolledGatewayOptions, keys: GatewayKeys, first: EnrollmentAnswer,
  callbacks: { onRenewed(answer: EnrollmentAnswer): void; onRevoked(error: EnrollmentRefusedError): void },
): RenewalSchedule {
  const now = options.now ?? (() => new Date());
  let current = first;
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const arm = (delayMs: number) => {
    if (stopped) return;
    timer = setTimeout(run, Math.max(0, Math.min(delayMs, 2 ** 31 - 1)));
    timer.unref?.();
  };
  const run = () => {
    renewEnrollment(options, keys, current).then((answer) => {
      current = answer;
      attempt = 0;
      callbacks.onRenewed(answer);
      arm(Date.parse(answer.renewAfter) - now().getTime());
    }, (error: Error) => {
      if (error instanceof EnrollmentRefusedError && error.code === 'gateway_revoked') {
        stopped = true;
        callbacks.onRevoked(error);
        return;
      }
      const delay = backoffDelay({ ...DEFAULT_BACKOFF, initialMs: 1000, maxMs: 60_000 }, attempt++);
      options.log.warn({ event: 'gateway_renew_failed', error: error.message, retryInMs: delay, expiresAt: current.expiresAt }, 'renewal failed; retrying');
      arm(delay);
    });
  };
  arm(Date.parse(current.renewAfter) - now().getTime());
  return {
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
