import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { ForbiddenError, NotFoundError, UnprocessableError } from '@postern/shared/errors';
import { issueRelayClientCert, issueSessionClientCert } from '@postern/shared/pki/index';
import {
  gatewayEnrollments, pamSessions, projects, relays, resources,
  type AccountRow, type PamSessionRow, type Project, type RelayRow, type ResourceRow,
} from '../../db/schema/index.ts';
import type { Principal } from '../../http/principal.ts';
import { recordAudit } from '../audit.ts';
import { presenceTtlMs } from '../platform/presence.ts';
import { routeSession } from '../platform/session-routing.ts';
import { x509Ca, type CaStoreDeps } from './ca-store.ts';
import { readCsr, relayCaOwner } from './issuance.ts';

/**
 * Session creation: the server checks role and duration, records the session, and signs the two
 * certificates the client needs over the key pair(s) it made itself — one for the relay hop
 * (Relay PKI Client CA, carries the org) and one for the gateway hop (the org's Gateway Client CA,
 * carries session, resource, account and gateway, and ends when the session ends).
 */

export interface CreateSessionRequest {
  accountId: string;
  resourceId?: string | undefined;
  durationSeconds: number;
  /** CSR for the gateway-hop certificate; also used for the relay hop unless relayCsr is given. */
  csr: string;
  relayCsr?: string | undefined;
}

export interface CreatedSession {
  session: PamSessionRow;
  resource: ResourceRow;
  relay: RelayRow;
  relayClientCertificate: string;
  gatewayClientCertificate: string;
  relayServerCaCertificates: string[];
  gatewayServerCaCertificates: string[];
}

export class SessionDurationTooLongError extends UnprocessableError {
  constructor(requested: number, maximum: number, projectName: string) {
    super('session_duration_too_long', `Sessions in project "${projectName}" last at most ${maximum} seconds; ask for ${maximum} or less (you asked for ${requested}).`, {
      field: 'durationSeconds', requestedSeconds: requested, maxSessionDurationSeconds: maximum,
    });
  }
}

function gatewayUnavailable(gatewayId: string, reason: 'not_enrolled' | 'revoked' | 'relay_revoked'): UnprocessableError {
  const why = {
    not_enrolled: 'has not enrolled yet (start it with its machine identity)',
    revoked: 'has been revoked by an admin (point the resource at another gateway)',
    relay_revoked: "uses a relay that has been revoked (restart the gateway so it enrolls with another relay)",
  }[reason];
  return new UnprocessableError('gateway_unavailable', `The resource's gateway ${gatewayId} ${why}.`, { gatewayId, reason });
}

/**
 * The gateway serving the session (the resource's, or a healthy member of its pool:
 * services/platform/session-routing.ts) and the relay it tunnels through, both still trusted.
 */
async function gatewayPath(deps: CaStoreDeps, resource: ResourceRow): Promise<{ gatewayId: string; relay: RelayRow }> {
  const route = await routeSession(deps.db, resource, deps.clock(), presenceTtlMs(deps));
  const gatewayId = route.gatewayId;
  const [enrollment] = await deps.db.select().from(gatewayEnrollments)
    .where(and(eq(gatewayEnrollments.gatewayId, gatewayId), eq(gatewayEnrollments.orgId, resource.orgId))).limit(1);
  if (enrollment?.revokedAt) throw gatewayUnavailable(gatewayId, 'revoked');
  if (!enrollment?.enrolledAt || !enrollment.relayId) throw gatewayUnavailable(gatewayId, 'not_enrolled');
  const [relay] = await deps.db.select().from(relays).where(eq(relays.id, route.reportedRelayId ?? enrollment.relayId)).limit(1);
  // A relay of another org would get this org's traffic: never, whatever the enrollment row says.
  const usable = relay && !relay.revokedAt && (relay.scope === 'instance' || relay.orgId === resource.orgId);
  if (!usable) throw gatewayUnavailable(gatewayId, 'relay_revoked');
  return { gatewayId, relay };
}

async function sessionContext(deps: CaStoreDeps, account: AccountRow, request: CreateSessionRequest): Promise<{ project: Project; resource: ResourceRow }> {
  if (request.resourceId && request.resourceId !== account.resourceId) throw new NotFoundError('account', account.id);
  const [resource] = await deps.db.select().from(resources).where(and(eq(resources.id, account.resourceId), eq(resources.orgId, account.orgId))).limit(1);
  const [project] = await deps.db.select().from(projects).where(and(eq(projects.id, account.projectId), eq(projects.orgId, account.orgId))).limit(1);
  if (!resource || !project) throw new NotFoundError('account', account.id);
  if (request.durationSeconds > project.maxSessionDurationSeconds) {
    throw new SessionDurationTooLongError(request.durationSeconds, project.maxSessionDurationSeconds, project.name);
  }
  return { project, resource };
}

/** Creates a session for a user already authorized on `account` (project admin or member, or org admin). */
export async function createSession(deps: CaStoreDeps, principal: Principal, account: AccountRow, request: CreateSessionRequest): Promise<CreatedSession> {
  if (principal.kind !== 'user') throw new ForbiddenError('Sessions are opened by people: sign in as a user, not a machine identity.');
  const { resource } = await sessionContext(deps, account, request);
  const csr = readCsr(request.csr);
  const relayCsr = request.relayCsr ? readCsr(request.relayCsr) : csr;
  const { gatewayId, relay } = await gatewayPath(deps, resource);
  const org = { scope: 'org', orgId: account.orgId } as const;
  const [relayClientCa, relayServerCa, gatewayClientCa, gatewayServerCa] = await Promise.all([
    x509Ca(deps, relayCaOwner(relay), 'relay-pki-client', principal),
    x509Ca(deps, relayCaOwner(relay), 'relay-pki-server', principal),
    x509Ca(deps, org, 'gateway-client', principal),
    x509Ca(deps, org, 'gateway-server', principal),
  ]);
  // Whole seconds: certificates carry seconds, and the certificate's not-after must equal the session's end exactly.
  const now = new Date(Math.floor(deps.clock().getTime() / 1000) * 1000);
  const expiresAt = new Date(now.getTime() + request.durationSeconds * 1000);
  const id = randomUUID();
  const relayClient = issueRelayClientCert(relayClientCa, { csr: relayCsr, orgId: account.orgId, actorId: principal.userId, notAfter: expiresAt, now });
  const gatewayClient = issueSessionClientCert(gatewayClientCa, {
    csr, now, sessionId: id, gatewayId, resourceId: resource.id, accountId: account.id, actorId: principal.userId, sessionEndsAt: expiresAt,
  });
  const session = await deps.db.transaction(async (tx) => {
    const [row] = await tx.insert(pamSessions).values({
      id, orgId: account.orgId, projectId: account.projectId, resourceId: resource.id, accountId: account.id, userId: principal.userId,
      gatewayId, relayId: relay.id, status: 'active', startedAt: now, expiresAt,
    }).returning();
    await recordAudit(tx, {
      orgId: account.orgId, projectId: account.projectId, actor: principal, action: 'session.create', targetType: 'session', targetId: id,
      details: { resourceId: resource.id, accountId: account.id, gatewayId, relayId: relay.id, durationSeconds: request.durationSeconds }, at: now,
    });
    return row!;
  });
  return {
    session, resource, relay,
    relayClientCertificate: relayClient.pem,
    gatewayClientCertificate: gatewayClient.pem,
    relayServerCaCertificates: [relayServerCa.certificatePem],
    gatewayServerCaCertificates: [gatewayServerCa.certificatePem],
  };
}

export type EffectiveSessionStatus = 'active' | 'expired' | 'ended' | 'terminated';

/** What the session is now: a stored 'active' session past its end time has expired. */
export function effectiveStatus(session: PamSessionRow, now: Date): EffectiveSessionStatus {
  if (session.status !== 'active') return session.status;
  return now.getTime() >= session.expiresAt.getTime() ? 'expired' : 'active';
}
