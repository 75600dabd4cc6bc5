/**
 * The platform's health check of one gateway: through the gateway's relay with the platform's
 * certificates, a `postern-ping` echo of 16 random bytes. Reports the round trip, the relay the
 * gateway says it is on and when it last said so; a failed dial reports the stage and reason.
 */
import { randomBytes } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import { ALPN_PROTOCOLS } from '@postern/shared/relay/alpn';
import type { GatewayRow, RelayRow } from '../../db/schema/index.ts';
import { gatewayEnrollments, relays } from '../../db/schema/index.ts';
import type { CaStoreDeps } from '../pki/ca-store.ts';
import { dialGatewayAsPlatform } from './gateway-dialer.ts';
import { platformCredentialsFor } from './platform-credentials.ts';
import { isHealthy, presenceOf, presenceTtlMs } from './presence.ts';

export interface GatewayHealth {
  gatewayId: string;
  status: 'connected' | 'unreachable' | 'not_enrolled' | 'revoked';
  relay: { id: string; name: string; clientTlsAddress: string } | null;
  latencyMs: number | null;
  lastSeenAt: string | null;
  /** The gateway's own last report: connected and recent. */
  reportedHealthy: boolean;
  error: string | null;
}

const PING_TIMEOUT_MS = 5_000;

/** The relay a gateway is on: its last presence report, else the relay of its enrollment. */
export async function relayOfGateway(deps: CaStoreDeps, gateway: GatewayRow): Promise<{ relay: RelayRow | undefined; revoked: boolean; enrolled: boolean }> {
  const [enrollment] = await deps.db.select().from(gatewayEnrollments).where(eq(gatewayEnrollments.gatewayId, gateway.id)).limit(1);
  const presence = (await presenceOf(deps.db, [gateway.id])).get(gateway.id);
  const relayId = presence?.relayId ?? enrollment?.relayId;
  const [relay] = relayId ? await deps.db.select().from(relays).where(and(eq(relays.id, relayId), isNull(relays.revokedAt))).limit(1) : [];
  return { relay, revoked: Boolean(enrollment?.revokedAt), enrolled: Boolean(enrollment?.enrolledAt) };
}

export async function checkGatewayHealth(deps: CaStoreDeps, gateway: GatewayRow): Promise<GatewayHealth> {
  const { relay, revoked, enrolled } = await relayOfGateway(deps, gateway);
  const presence = (await presenceOf(deps.db, [gateway.id])).get(gateway.id);
  const base = {
    gatewayId: gateway.id,
    relay: relay ? { id: relay.id, name: relay.name, clientTlsAddress: relay.clientTlsAddress } : null,
    lastSeenAt: presence?.lastSeenAt.toISOString() ?? null,
    reportedHealthy: isHealthy(presence, deps.clock(), presenceTtlMs(deps)),
    latencyMs: null,
  };
  if (revoked) return { ...base, status: 'revoked', error: 'the gateway was revoked' };
  if (!enrolled || !relay) return { ...base, status: 'not_enrolled', error: 'the gateway has not enrolled (or its relay is gone)' };
  try {
    return { ...base, status: 'connected', latencyMs: await pingGateway(deps, gateway, relay), error: null };
  } catch (error) {
    return { ...base, status: 'unreachable', error: (error as Error).message };
  }
}

/** One postern-ping round trip through the relay; resolves to the echo's milliseconds. */
export async function pingGateway(deps: CaStoreDeps, gateway: GatewayRow, relay: RelayRow): Promise<number> {
  const credentials = await platformCredentialsFor(deps, gateway.orgId, relay);
  const stream = await dialGatewayAsPlatform({ ...credentials, gatewayId: gateway.id, alpn: ALPN_PROTOCOLS.ping, timeoutMs: PING_TIMEOUT_MS });
  try {
    const nonce = randomBytes(16);
    const started = performance.now();
    await new Promise<void>((resolve, reject) => {
      let received = Buffer.alloc(0);
      const timer = setTimeout(() => reject(new Error(`no echo within ${PING_TIMEOUT_MS} ms`)), PING_TIMEOUT_MS);
      stream.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        if (received.length < nonce.length) return;
        clearTimeout(timer);
        if (received.subarray(0, nonce.length).equals(nonce)) resolve();
        else reject(new Error('the echo did not match'));
      });
      stream.once('close', () => reject(new Error('the gateway closed the ping stream')));
      stream.write(nonce);
    });
    return Math.round((performance.now() - started) * 100) / 100;
  } finally {
    stream.destroy();
  }
}
