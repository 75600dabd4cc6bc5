/**
 * "Can the gateway reach this resource?": the platform dials the resource's gateway through its
 * relay (postern-probe, platform certificates), the gateway connects to host:port and, for an
 * SSH resource, reports the host key the target presented. That key is pinned for the resource
 * (with the address it was seen at) in the same transaction as its audit row; the session
 * credentials endpoint hands it to the gateway, whose SSH bridge refuses any other key.
 */
import { and, eq } from 'drizzle-orm';
import { ALPN_PROTOCOLS } from '@postern/shared/relay/alpn';
import { encodeProbeLine, readProbeLine, zProbeAnswer, type ProbeAnswer } from '@postern/shared/relay/probe';
import type { DbOrTx } from '../../db/client.ts';
import { gateways, resourceHostKeys, type ResourceRow } from '../../db/schema/index.ts';
import type { Principal } from '../../http/principal.ts';
import { recordAudit } from '../audit.ts';
import type { CaStoreDeps } from '../pki/ca-store.ts';
import { relayOfGateway } from './gateway-health.ts';
import { dialGatewayAsPlatform } from './gateway-dialer.ts';
import { platformCredentialsFor } from './platform-credentials.ts';

export interface ReachabilityResult {
  ok: boolean;
  gatewayId: string;
  target: { host: string; port: number };
  latencyMs: number | null;
  error: string | null;
  sshHostKeys: string[] | null;
  /** True when this check pinned a key different from the one pinned before. */
  hostKeyChanged: boolean;
}

const PROBE_TIMEOUT_MS = 5_000;

export function targetAddressOf(resource: ResourceRow): { host: string; port: number } {
  if (resource.type === 'ssh') return { host: resource.host!, port: resource.port! };
  const url = new URL(resource.url!);
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port ? Number(url.port) : 443 };
}

export async function checkResourceReachability(deps: CaStoreDeps, actor: Principal, resource: ResourceRow): Promise<ReachabilityResult> {
  const target = targetAddressOf(resource);
  const base = { gatewayId: resource.gatewayId, target, sshHostKeys: null, hostKeyChanged: false };
  const [gateway] = await deps.db.select().from(gateways).where(and(eq(gateways.id, resource.gatewayId), eq(gateways.orgId, resource.orgId))).limit(1);
  const { relay, revoked, enrolled } = gateway ? await relayOfGateway(deps, gateway) : { relay: undefined, revoked: false, enrolled: false };
  if (!gateway || !relay || revoked || !enrolled) {
    return { ...base, ok: false, latencyMs: null, error: revoked ? 'the resource\'s gateway was revoked' : 'the resource\'s gateway is not enrolled' };
  }
  let answer: ProbeAnswer;
  try {
    answer = await probe(deps, gateway.orgId, gateway.id, relay, { ...target, sshHostKey: resource.type === 'ssh', timeoutMs: PROBE_TIMEOUT_MS });
  } catch (error) {
    return { ...base, ok: false, latencyMs: null, error: (error as Error).message };
  }
  if (!answer.ok) return { ...base, ok: false, latencyMs: answer.connectMs ?? null, error: answer.error };
  const sshHostKeys = answer.sshHostKeys ?? null;
  const hostKeyChanged = sshHostKeys ? await pinHostKeys(deps, actor, resource, target, sshHostKeys) : false;
  return { ...base, ok: true, latencyMs: answer.connectMs, error: null, sshHostKeys, hostKeyChanged };
}

async function probe(
  deps: CaStoreDeps, orgId: string, gatewayId: string, relay: Parameters<typeof platformCredentialsFor>[2],
  request: { host: string; port: number; sshHostKey: boolean; timeoutMs: number },
): Promise<ProbeAnswer> {
  const credentials = await platformCredentialsFor(deps, orgId, relay);
  const stream = await dialGatewayAsPlatform({ ...credentials, gatewayId, alpn: ALPN_PROTOCOLS.probe, timeoutMs: PROBE_TIMEOUT_MS });
  try {
    stream.write(encodeProbeLine(request));
    return zProbeAnswer.parse(JSON.parse(await readProbeLine(stream, request.timeoutMs * 2 + 1_000)));
  } finally {
    stream.destroy();
  }
}

async function pinHostKeys(deps: CaStoreDeps, actor: Principal, resource: ResourceRow, target: { host: string; port: number }, hostKeys: string[]): Promise<boolean> {
  const now = deps.clock();
  return deps.db.transaction(async (tx) => {
    const [before] = await tx.select().from(resourceHostKeys).where(eq(resourceHostKeys.resourceId, resource.id)).limit(1);
    const values = { ...target, hostKeys, gatewayId: resource.gatewayId, seenAt: now };
    await tx.insert(resourceHostKeys).values({ resourceId: resource.id, orgId: resource.orgId, ...values })
      .onConflictDoUpdate({ target: resourceHostKeys.resourceId, set: values });
    const changed = Boolean(before && before.hostKeys.join('\n') !== hostKeys.join('\n'));
    await recordAudit(tx, {
      orgId: resource.orgId, projectId: resource.projectId, actor, action: 'resource.host_key.pin', targetType: 'resource', targetId: resource.id,
      details: { ...target, hostKeys, changed, previous: before?.hostKeys ?? null }, at: now,
    });
    return changed;
  });
}

/** The pinned host keys of an SSH resource, only if they were seen at its current address. */
export async function pinnedHostKeys(db: DbOrTx, resource: ResourceRow): Promise<string[] | undefined> {
  if (resource.type !== 'ssh') return undefined;
  const [pin] = await db.select().from(resourceHostKeys)
    .where(and(eq(resourceHostKeys.resourceId, resource.id), eq(resourceHostKeys.orgId, resource.orgId))).limit(1);
  if (!pin || pin.host !== resource.host || pin.port !== resource.port) return undefined;
  return pin.hostKeys;
}
