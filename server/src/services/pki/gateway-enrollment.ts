import { and, desc, eq, isNull, or } from 'drizzle-orm';
import { ForbiddenError, GatewayRevokedError, NoRelayAvailableError, NotFoundError, PosternError, UnprocessableError } from '@postern/shared/errors';
import { issueGatewayServerCert } from '@postern/shared/pki/index';
import { formatGatewayKeyId } from '@postern/shared/relay/gateway-ssh-identity';
import type { Config } from '../../config.ts';
import type { DbOrTx } from '../../db/client.ts';
import { gatewayEnrollments, gateways, relays, type GatewayRow, type RelayRow } from '../../db/schema/index.ts';
import type { Principal } from '../../http/principal.ts';
import { recordAudit, type AuditActor } from '../audit.ts';
import { sshCa, x509Ca, type CaStoreDeps } from './ca-store.ts';
import { CLOCK_SKEW_MS, issueSshCertificate, readCsr, readEd25519PublicKey, relayCaOwner, renewAfter } from './issuance.ts';

/**
 * Gateway enrollment. A gateway signs in with its machine identity, makes its own SSH and TLS key
 * pairs, and sends the public halves. It gets an SSH user certificate for its relay (principal =
 * gateway id), the CA its relay's host certificate is checked against, its inner TLS server
 * certificate (URI SAN urn:postern:gateway:<id>) and the org CA its clients' session certificates
 * chain to. A revoked gateway gets nothing more.
 */

export interface GatewayEnrollmentRequest {
  /** Needed only when the machine identity is bound to more than one gateway. */
  gatewayId?: string | undefined;
  sshPublicKey: string;
  csr: string;
}

export interface GatewayCertificates {
  gateway: GatewayRow;
  relay: RelayRow;
  sshCertificate: string;
  relaySshServerCaPublicKeys: string[];
  tlsCertificate: string;
  gatewayServerCaCertificate: string;
  gatewayClientCaCertificates: string[];
  issuedAt: Date;
  expiresAt: Date;
  renewAfter: Date;
}

export interface GatewayServiceDeps extends CaStoreDeps {
  config: Config;
}

/** The gateway bound to the calling machine identity; only a gateway's own identity can act as it. */
export async function gatewayOfMachine(db: DbOrTx, principal: Principal, gatewayId?: string): Promise<GatewayRow> {
  if (principal.kind !== 'machine') {
    throw new ForbiddenError("Only a gateway's machine identity can do this: sign in with POST /api/v1/auth/machine-identity/login.");
  }
  const bound = await db.select().from(gateways)
    .where(and(eq(gateways.orgId, principal.orgId), eq(gateways.machineIdentityId, principal.identityId), ...(gatewayId ? [eq(gateways.id, gatewayId)] : [])))
    .limit(2);
  if (bound.length === 0) throw new NotFoundError('gateway', gatewayId ?? `bound to machine identity ${principal.identityId}`);
  if (bound.length > 1) {
    throw new UnprocessableError('gateway_ambiguous', 'This machine identity is bound to several gateways; name the one you are with gatewayId.', { field: 'gatewayId' });
  }
  return bound[0]!;
}

/** The gateway's recorded relay if it still serves, else the org's newest relay, else the instance's. */
async function chooseRelay(db: DbOrTx, gateway: GatewayRow, recordedRelayId: string | null): Promise<RelayRow> {
  if (recordedRelayId) {
    const [recorded] = await db.select().from(relays)
      .where(and(eq(relays.id, recordedRelayId), isNull(relays.revokedAt), or(eq(relays.scope, 'instance'), eq(relays.orgId, gateway.orgId)))).limit(1);
    if (recorded) return recorded;
  }
  const [own] = await db.select().from(relays).where(and(eq(relays.orgId, gateway.orgId), isNull(relays.revokedAt))).orderBy(desc(relays.enrolledAt)).limit(1);
  if (own) return own;
  const [managed] = await db.select().from(relays).where(and(eq(relays.scope, 'instance'), isNull(relays.revokedAt))).orderBy(desc(relays.enrolledAt)).limit(1);
  if (managed) return managed;
  throw new NoRelayAvailableError(gateway.orgId);
}

/** First enrollment ('enroll', also a re-enrollment after a lost disk) or a renewal before expiry ('renew'). */
export async function enrollGateway(
  deps: GatewayServiceDeps, principal: Principal, request: GatewayEnrollmentRequest, mode: 'enroll' | 'renew',
): Promise<GatewayCertificates> {
  const gateway = await gatewayOfMachine(deps.db, principal, request.gatewayId);
  const sshKey = readEd25519PublicKey(request.sshPublicKey, 'sshPublicKey');
  const csr = readCsr(request.csr);
  const [enrollment] = await deps.db.select().from(gatewayEnrollments).where(eq(gatewayEnrollments.gatewayId, gateway.id)).limit(1);
  if (enrollment?.revokedAt) throw new GatewayRevokedError(gateway.id);
  if (mode === 'renew' && !enrollment?.enrolledAt) {
    throw new PosternError('gateway_not_enrolled', 409, `Gateway ${gateway.id} has not enrolled yet: call POST /api/v1/gateways/enroll first.`, { gatewayId: gateway.id });
  }
  const relay = await chooseRelay(deps.db, gateway, enrollment?.relayId ?? null);
  const now = deps.clock();
  const expiresAt = new Date(now.getTime() + deps.config.pki.gatewayCertTtlSeconds * 1000);
  const actor: AuditActor = principal;
  const relayOwner = relayCaOwner(relay);
  const org = { scope: 'org', orgId: gateway.orgId } as const;
  const [relayClientCa, relayServerCa, serverCa, clientCa] = await Promise.all([
    sshCa(deps, relayOwner, 'relay-ssh-client', actor),
    sshCa(deps, relayOwner, 'relay-ssh-server', actor),
    x509Ca(deps, org, 'gateway-server', actor),
    x509Ca(deps, org, 'gateway-client', actor),
  ]);
  const sshCertificate = issueSshCertificate({
    ca: relayClientCa, certType: 'user', publicKey: sshKey, now, validBefore: expiresAt,
    keyId: formatGatewayKeyId(gateway.orgId), principals: [gateway.id],
    // The tunnel is a remote port forward; nothing else (no pty, agent or X11) is granted.
    extensions: { 'permit-port-forwarding': '' },
  });
  const tls = issueGatewayServerCert(serverCa, { csr, gatewayId: gateway.id, now, lifetimeMs: expiresAt.getTime() - now.getTime() });
  await recordEnrollment(deps, actor, gateway, relay, { mode, now, expiresAt, fingerprint: sshCertificate.fingerprint });
  return {
    gateway, relay, sshCertificate: sshCertificate.line, relaySshServerCaPublicKeys: [relayServerCa.publicKeyLine],
    tlsCertificate: tls.pem, gatewayServerCaCertificate: serverCa.certificatePem, gatewayClientCaCertificates: [clientCa.certificatePem],
    issuedAt: new Date(now.getTime() - CLOCK_SKEW_MS), expiresAt, renewAfter: renewAfter(now, expiresAt),
  };
}

interface EnrollmentFacts { mode: 'enroll' | 'renew'; now: Date; expiresAt: Date; fingerprint: string }

/** Records the enrollment unless an admin revoked the gateway meanwhile (then the certificates are never returned). */
async function recordEnrollment(deps: GatewayServiceDeps, actor: AuditActor, gateway: GatewayRow, relay: RelayRow, facts: EnrollmentFacts): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const values = { relayId: relay.id, sshPublicKeyFingerprint: facts.fingerprint, enrolledAt: facts.now, certificatesExpireAt: facts.expiresAt };
    const written = await tx.insert(gatewayEnrollments).values({ gatewayId: gateway.id, orgId: gateway.orgId, ...values, createdAt: facts.now })
      .onConflictDoUpdate({ target: gatewayEnrollments.gatewayId, set: values, setWhere: isNull(gatewayEnrollments.revokedAt) })
      .returning({ gatewayId: gatewayEnrollments.gatewayId });
    if (!written.length) throw new GatewayRevokedError(gateway.id);
    await recordAudit(tx, {
      orgId: gateway.orgId, actor, action: `gateway.${facts.mode}`, targetType: 'gateway', targetId: gateway.id,
      details: { relayId: relay.id, sshPublicKeyFingerprint: facts.fingerprint, expiresAt: facts.expiresAt.toISOString() }, at: facts.now,
    });
  });
}

/** Revokes a gateway for good: no more certificates, credentials or sessions through it. */
export async function revokeGateway(deps: CaStoreDeps, actor: AuditActor, gateway: GatewayRow): Promise<Date> {
  const now = deps.clock();
  return deps.db.transaction(async (tx) => {
    const [row] = await tx.insert(gatewayEnrollments).values({ gatewayId: gateway.id, orgId: gateway.orgId, revokedAt: now, createdAt: now })
      .onConflictDoUpdate({ target: gatewayEnrollments.gatewayId, set: { revokedAt: now }, setWhere: isNull(gatewayEnrollments.revokedAt) })
      .returning({ revokedAt: gatewayEnrollments.revokedAt });
    await recordAudit(tx, { orgId: gateway.orgId, actor, action: 'gateway.revoke', targetType: 'gateway', targetId: gateway.id, details: { name: gateway.name }, at: now });
    if (row?.revokedAt) return row.revokedAt;
    const [existing] = await tx.select({ revokedAt: gatewayEnrollments.revokedAt }).from(gatewayEnrollments).where(eq(gatewayEnrollments.gatewayId, gateway.id));
    return existing!.revokedAt!;
  });
}
