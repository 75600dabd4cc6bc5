import { isIP } from 'node:net';
import { and, eq, isNull } from 'drizzle-orm';
import { ConflictError, NotFoundError, RelayRevokedError, UnprocessableError } from '@postern/shared/errors';
import { issueRelayServerCert } from '@postern/shared/pki/index';
import type { Config } from '../../config.ts';
import { relays, type RelayRow } from '../../db/schema/index.ts';
import { recordAudit, type AuditActor } from '../audit.ts';
import { sshCa, x509Ca, type CaStoreDeps } from './ca-store.ts';
import { CLOCK_SKEW_MS, issueSshCertificate, readCsr, readEd25519PublicKey, relayCaOwner, renewAfter, splitHostPort } from './issuance.ts';

/**
 * Relay enrollment. A managed relay proves itself with the instance token from the server's
 * config; a customer relay with an org machine identity's access token. Either way the relay
 * makes its own keys and sends the public halves; it gets back its SSH host certificate, its TLS
 * server certificate, and the CAs it verifies gateways and clients with.
 */

/** Who is enrolling: the holder of the instance token, or one org's machine identity. */
export type RelayCaller =
  | { kind: 'instance' }
  | { kind: 'org'; orgId: string; machineIdentityId: string };

export interface RelayKeys {
  sshHostPublicKey: string;
  csr: string;
}

export interface RelayEnrollmentRequest extends RelayKeys {
  name: string;
  clientTlsAddress?: string | undefined;
  gatewaySshAddress?: string | undefined;
}

export interface RelayCertificates {
  relay: RelayRow;
  sshHostCertificate: string;
  tlsCertificate: string;
  /** The relay checks gateways' SSH user certificates against these. */
  relaySshClientCaPublicKeys: string[];
  /** The relay checks clients' (and the platform's) TLS certificates against these. */
  relayPkiClientCaCertificates: string[];
  relayPkiServerCaCertificate: string;
  relaySshServerCaPublicKey: string;
  issuedAt: Date;
  expiresAt: Date;
  renewAfter: Date;
}

export interface RelayServiceDeps extends CaStoreDeps {
  config: Config;
}

const actorOf = (caller: RelayCaller): AuditActor => (caller.kind === 'instance'
  ? { kind: 'system' }
  : { kind: 'machine', identityId: caller.machineIdentityId, orgId: caller.orgId });

function addressesFor(deps: RelayServiceDeps, caller: RelayCaller, request: RelayEnrollmentRequest) {
  const clientTlsAddress = request.clientTlsAddress ?? (caller.kind === 'instance' ? deps.config.pki.relayClientAddress : undefined);
  const gatewaySshAddress = request.gatewaySshAddress ?? (caller.kind === 'instance' ? deps.config.pki.relayGatewaySshAddress : undefined);
  if (!clientTlsAddress || !gatewaySshAddress) {
    throw new UnprocessableError('relay_address_required', 'A customer relay must state where clients reach it (clientTlsAddress) and where gateways reach it (gatewaySshAddress), as host:port.', {
      fields: [...(clientTlsAddress ? [] : ['clientTlsAddress']), ...(gatewaySshAddress ? [] : ['gatewaySshAddress'])],
    });
  }
  splitHostPort(clientTlsAddress);
  splitHostPort(gatewaySshAddress);
  return { clientTlsAddress, gatewaySshAddress };
}

const sameCaller = (relay: RelayRow, caller: RelayCaller) => (caller.kind === 'instance'
  ? relay.scope === 'instance'
  : relay.scope === 'org' && relay.orgId === caller.orgId && relay.machineIdentityId === caller.machineIdentityId);

/** Registers a relay by name (or re-enrolls the caller's own relay of that name) and issues its certificates. */
export async function enrollRelay(deps: RelayServiceDeps, caller: RelayCaller, request: RelayEnrollmentRequest): Promise<RelayCertificates> {
  const addresses = addressesFor(deps, caller, request);
  const keys = readRelayKeys(request);
  const now = deps.clock();
  const orgId = caller.kind === 'org' ? caller.orgId : null;
  const relay = await deps.db.transaction(async (tx) => {
    const [existing] = await tx.select().from(relays)
      .where(and(eq(relays.name, request.name), orgId ? eq(relays.orgId, orgId) : isNull(relays.orgId))).limit(1);
    if (existing && existing.revokedAt) throw new RelayRevokedError(existing.id);
    if (existing && !sameCaller(existing, caller)) {
      throw new ConflictError(`A relay named "${request.name}" is already enrolled by another machine identity; pick another name.`, { field: 'name' });
    }
    const [row] = existing
      ? await tx.update(relays).set({ ...addresses, enrolledAt: now }).where(eq(relays.id, existing.id)).returning()
      : await tx.insert(relays).values({
        name: request.name, scope: caller.kind, orgId, machineIdentityId: caller.kind === 'org' ? caller.machineIdentityId : null,
        ...addresses, enrolledAt: now, createdAt: now,
      }).returning();
    await recordAudit(tx, {
      orgId, actor: actorOf(caller), action: existing ? 'relay.reenroll' : 'relay.enroll', targetType: 'relay', targetId: row!.id,
      details: { name: request.name, scope: caller.kind, ...addresses }, at: now,
    });
    return row!;
  });
  return issueRelayCertificates(deps, caller, relay, keys, now);
}

/** New certificates for an enrolled, unrevoked relay, over the keys it sends now. */
export async function renewRelay(deps: RelayServiceDeps, caller: RelayCaller, relayId: string, request: RelayKeys): Promise<RelayCertificates> {
  const keys = readRelayKeys(request);
  const relay = await findCallersRelay(deps, caller, relayId);
  if (relay.revokedAt) throw new RelayRevokedError(relay.id);
  const now = deps.clock();
  await recordAudit(deps.db, { orgId: relay.orgId, actor: actorOf(caller), action: 'relay.renew', targetType: 'relay', targetId: relay.id, details: { name: relay.name }, at: now });
  return issueRelayCertificates(deps, caller, relay, keys, now);
}

/** Marks a relay revoked: no certificate for it any more, and no new gateway or session is sent to it. */
export async function revokeRelay(deps: RelayServiceDeps, actor: AuditActor, relay: RelayRow): Promise<RelayRow> {
  const now = deps.clock();
  return deps.db.transaction(async (tx) => {
    const [row] = await tx.update(relays).set({ revokedAt: relay.revokedAt ?? now }).where(eq(relays.id, relay.id)).returning();
    await recordAudit(tx, { orgId: relay.orgId, actor, action: 'relay.revoke', targetType: 'relay', targetId: relay.id, details: { name: relay.name }, at: now });
    return row!;
  });
}

/** A relay the caller may act on: an instance relay for the instance token, the org's own relay for its identity. */
export async function findCallersRelay(deps: CaStoreDeps, caller: RelayCaller | { kind: 'org-admin'; orgId: string }, relayId: string): Promise<RelayRow> {
  const [relay] = await deps.db.select().from(relays).where(eq(relays.id, relayId)).limit(1);
  const visible = relay && (caller.kind === 'instance'
    ? relay.scope === 'instance'
    : caller.kind === 'org-admin' ? relay.orgId === caller.orgId : sameCaller(relay, caller));
  if (!visible) throw new NotFoundError('relay', relayId);
  return relay;
}

/** A customer relay by id, whoever asks; the caller checks the org role next. */
export async function findOrgRelay(db: CaStoreDeps['db'], relayId: string): Promise<RelayRow> {
  const [relay] = await db.select().from(relays).where(and(eq(relays.id, relayId), eq(relays.scope, 'org'))).limit(1);
  if (!relay) throw new NotFoundError('relay', relayId);
  return relay;
}

function readRelayKeys(request: RelayKeys) {
  return { sshHostKey: readEd25519PublicKey(request.sshHostPublicKey, 'sshHostPublicKey'), csr: readCsr(request.csr) };
}

async function issueRelayCertificates(
  deps: RelayServiceDeps, caller: RelayCaller, relay: RelayRow, keys: ReturnType<typeof readRelayKeys>, now: Date,
): Promise<RelayCertificates> {
  const owner = relayCaOwner(relay);
  const actor = actorOf(caller);
  const [sshServerCa, sshClientCa, pkiServerCa, pkiClientCa] = await Promise.all([
    sshCa(deps, owner, 'relay-ssh-server', actor),
    sshCa(deps, owner, 'relay-ssh-client', actor),
    x509Ca(deps, owner, 'relay-pki-server', actor),
    x509Ca(deps, owner, 'relay-pki-client', actor),
  ]);
  const expiresAt = new Date(now.getTime() + deps.config.pki.relayCertTtlSeconds * 1000);
  const sshHost = splitHostPort(relay.gatewaySshAddress).host;
  const hostCertificate = issueSshCertificate({
    ca: sshServerCa, certType: 'host', publicKey: keys.sshHostKey, now, validBefore: expiresAt,
    keyId: `relay:${relay.id} ${relay.scope === 'org' ? `org:${relay.orgId}` : 'instance'}`,
    principals: [sshHost, `relay-${relay.id}`],
  });
  const tlsHost = splitHostPort(relay.clientTlsAddress).host;
  const tls = issueRelayServerCert(pkiServerCa, {
    csr: keys.csr, now, lifetimeMs: expiresAt.getTime() - now.getTime(),
    ...(isIP(tlsHost) ? { ipAddresses: [tlsHost] } : { dnsNames: [tlsHost] }),
  });
  return {
    relay,
    sshHostCertificate: hostCertificate.line,
    tlsCertificate: tls.pem,
    relaySshClientCaPublicKeys: [sshClientCa.publicKeyLine],
    relayPkiClientCaCertificates: [pkiClientCa.certificatePem],
    relayPkiServerCaCertificate: pkiServerCa.certificatePem,
    relaySshServerCaPublicKey: sshServerCa.publicKeyLine,
    issuedAt: new Date(now.getTime() - CLOCK_SKEW_MS),
    expiresAt,
    renewAfter: renewAfter(now, expiresAt),
  };
}
