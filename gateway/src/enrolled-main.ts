/**
 * The enrolled mode of `postern-gateway`: arguments, tuning from the environment (timeouts,
 * backoff, log level; the relay and certificates come from enrollment), and the run itself:
 * obtain the enrollment, start the gateway, renew, and stop for good when revoked.
 */
import { pino } from 'pino';
import { z } from 'zod';
import { DEFAULT_BACKOFF } from './backoff.ts';
import { zGatewayEnv } from './config.ts';
import { gatewayServerClient, type EnrollmentAnswer } from './enrollment-api.ts';
import { gatewayConfigFromEnrollment, obtainEnrollment, scheduleRenewals, type EnrolledGatewayOptions } from './enrollment.ts';
import { enrolledGatewayServices } from './enrolled-services.ts';
import { startGateway } from './gateway.ts';
import { PRESENCE_INTERVAL_MS, reportPresence } from './presence-reporter.ts';

export interface EnrolledArguments {
  serverUrl: string;
  token: string;
  dataDir: string;
  gatewayId: string | undefined;
}

export type ParsedArguments =
  | { kind: 'environment' }
  | { kind: 'enrolled'; options: EnrolledArguments }
  | { kind: 'invalid'; message: string };

const USAGE = 'usage: postern-gateway --server URL --token CLIENT_ID:CLIENT_SECRET [--data-dir DIR] [--gateway-id ID]';

/** `--token` may also come from POSTERN_GATEWAY_TOKEN, so it need not appear in the process list. */
export function parseGatewayArguments(argv: string[], env: Record<string, string | undefined>): ParsedArguments {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i]!;
    const value = argv[i + 1];
    if (!['--server', '--token', '--data-dir', '--gateway-id'].includes(name) || value === undefined) return { kind: 'invalid', message: `unexpected argument ${name}; ${USAGE}` };
    values.set(name, value);
  }
  const serverUrl = values.get('--server') ?? env.POSTERN_GATEWAY_SERVER_URL;
  if (!serverUrl) return values.size ? { kind: 'invalid', message: `--server is required; ${USAGE}` } : { kind: 'environment' };
  const token = values.get('--token') ?? env.POSTERN_GATEWAY_TOKEN;
  if (!token) return { kind: 'invalid', message: `--token (or POSTERN_GATEWAY_TOKEN) is required; ${USAGE}` };
  if (!/^https?:\/\//.test(serverUrl)) return { kind: 'invalid', message: `--server must be an http(s) URL, got ${serverUrl}` };
  return {
    kind: 'enrolled',
    options: { serverUrl, token, dataDir: values.get('--data-dir') ?? env.POSTERN_GATEWAY_DATA_DIR ?? './.postern-gateway', gatewayId: values.get('--gateway-id') },
  };
}

const zTuning = zGatewayEnv.pick({
  POSTERN_GATEWAY_BACKOFF_INITIAL_MS: true, POSTERN_GATEWAY_BACKOFF_MAX_MS: true, POSTERN_GATEWAY_READY_TIMEOUT_MS: true,
  POSTERN_GATEWAY_KEEPALIVE_MS: true, POSTERN_GATEWAY_HANDSHAKE_TIMEOUT_MS: true, POSTERN_LOG_LEVEL: true,
});

export function loadGatewayTuning(env: Record<string, string | undefined>): EnrolledGatewayOptions['tuning'] {
  const e = zTuning.parse(env);
  return {
    backoff: { ...DEFAULT_BACKOFF, initialMs: e.POSTERN_GATEWAY_BACKOFF_INITIAL_MS, maxMs: e.POSTERN_GATEWAY_BACKOFF_MAX_MS },
    readyTimeoutMs: e.POSTERN_GATEWAY_READY_TIMEOUT_MS, keepaliveIntervalMs: e.POSTERN_GATEWAY_KEEPALIVE_MS,
    handshakeTimeoutMs: e.POSTERN_GATEWAY_HANDSHAKE_TIMEOUT_MS, logLevel: e.POSTERN_LOG_LEVEL,
  };
}

export async function runEnrolledGateway(args: EnrolledArguments, env: Record<string, string | undefined>): Promise<{ stop(signal: string): Promise<void> }> {
  const tuning = loadGatewayTuning(env);
  const log = pino({ level: tuning.logLevel });
  const client = gatewayServerClient(args.serverUrl, args.token);
  const options: EnrolledGatewayOptions = { client, dataDir: args.dataDir, gatewayId: args.gatewayId, tuning, log };
  const { keys, answer } = await obtainEnrollment(options);
  const services = await enrolledGatewayServices(client, args.dataDir, log.child({ gatewayId: answer.gatewayId }));
  const presenceIntervalMs = z.coerce.number().int().min(200).default(PRESENCE_INTERVAL_MS).parse(env.POSTERN_GATEWAY_PRESENCE_INTERVAL_MS);
  let current = answer;
  const startOn = (enrollment: EnrollmentAnswer) => {
    const gateway = startGateway(gatewayConfigFromEnrollment(options, keys, enrollment), services.deps());
    const presence = reportPresence(gateway.tunnel, client, () => ({ relayId: current.relay.id, gatewayId: current.gatewayId }), log, presenceIntervalMs);
    return { gateway, presence };
  };
  let running = startOn(answer);
  const stopTunnel = () => {
    running.presence.stop();
    running.gateway.close();
  };
  const stopAll = async () => {
    renewals.stop();
    stopTunnel();
    await client.reportPresence({ relayId: current.relay.id, gatewayId: current.gatewayId, connected: false }).catch(() => undefined);
    await services.close();
  };
  const renewals = scheduleRenewals(options, keys, answer, {
    onRenewed: (renewed) => {
      const moved = renewed.relay.id !== current.relay.id;
      current = renewed;
      if (!moved) {
        running.gateway.updateCredentials({ sshPrivateKey: keys.sshPrivateKey, sshCertificate: renewed.sshCertificate.trim(), tlsCertificate: renewed.tlsCertificate, tlsKey: keys.tlsKey });
        return;
      }
      // The server named another relay (ours was revoked): its sessions go with it, new ones use the new relay.
      log.warn({ event: 'gateway_relay_moved', relay: renewed.relay.gatewaySshAddress }, 'the server moved this gateway to another relay');
      stopTunnel();
      running = startOn(renewed);
    },
    onRevoked: (error) => {
      log.fatal({ event: 'gateway_revoked', gatewayId: answer.gatewayId }, error.message);
      void stopAll().finally(() => process.exit(3));
    },
  });
  return {
    stop: async (signal) => {
      log.info({ event: 'gateway_stopping', signal }, 'stopping');
      await stopAll();
    },
  };
}
