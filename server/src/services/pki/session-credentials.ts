import { and, eq } from 'drizzle-orm';
import { GatewayRevokedError, NotFoundError, SessionExpiredError, UnprocessableError } from '@postern/shared/errors';
import { accounts, gatewayEnrollments, pamSessions, resources, type PamSessionRow, type ResourceRow } from '../../db/schema/index.ts';
import type { Principal } from '../../http/principal.ts';
import { readAccountSecret } from '../accounts.ts';
import { pinnedHostKeys } from '../platform/reachability.ts';
import { recordAudit } from '../audit.ts';
import type { Vault } from '../vault.ts';
import { sshCa, type CaStoreDeps } from './ca-store.ts';
import { gatewayOfMachine } from './gateway-enrollment.ts';
import { issueSshCertificate, readEd25519PublicKey } from './issuance.ts';
import { effectiveStatus } from './sessions.ts';

/**
 * The gateway's side of a session: it proves it is the session's gateway (its machine identity
 * token) and gets what it needs to reach the target. Only the gateway the session runs through
 * can ask, only while the session is active, and never after the gateway was revoked.
 */

export type SessionCredential =
  | { type: 'ssh-password'; username: string; password: string }
  | { type: 'ssh-key'; username: string; privateKey: string; passphrase?: string }
  | { type: 'ssh-certificate'; username: string; certificate: string; validBefore: Date }
  | { type: 'kubernetes-token'; token: string };

export type SessionTarget =
  | { type: 'ssh'; host: string; port: number; hostKeys?: string[] }
  | { type: 'kubernetes'; url: string; tlsVerify: boolean; caCertificate: string | null };

export interface SessionCredentials {
  session: PamSessionRow;
  target: SessionTarget;
  credential: SessionCredential;
}

/** The session, if it runs through the calling gateway (404 otherwise: other sessions are not revealed). */
export async function sessionOfGateway(deps: CaStoreDeps, principal: Principal, sessionId: string): Promise<PamSessionRow> {
  const gateway = await gatewayOfMachineForSession(deps, principal, sessionId);
  const [session] = await deps.db.select().from(pamSessions)
    .where(and(eq(pamSessions.id, sessionId), eq(pamSessions.orgId, gateway.orgId), eq(pamSessions.gatewayId, gateway.id))).limit(1);
  if (!session) throw new NotFoundError('session', sessionId);
  const [enrollment] = await deps.db.select({ revokedAt: gatewayEnrollments.revokedAt }).from(gatewayEnrollments).where(eq(gatewayEnrollments.gatewayId, gateway.id)).limit(1);
  if (enrollment?.revokedAt) throw new GatewayRevokedError(gateway.id);
  return session;
}

async function gatewayOfMachineForSession(deps: CaStoreDeps, principal: Principal, sessionId: string) {
  if (principal.kind !== 'machine') return gatewayOfMachine(deps.db, principal);
  // A machine bound to several gateways is asked nothing: the session names its gateway.
  const [session] = await deps.db.select({ gatewayId: pamSessions.gatewayId }).from(pamSessions)
    .where(and(eq(pamSessions.id, sessionId), eq(pamSessions.orgId, principal.orgId))).limit(1);
  if (!session?.gatewayId) throw new NotFoundError('session', sessionId);
  try {
    return await gatewayOfMachine(deps.db, principal, session.gatewayId);
  } catch (error) {
    if (error instanceof NotFoundError) throw new NotFoundError('session', sessionId);
    throw error;
  }
}

function targetOf(resource: ResourceRow): SessionTarget {
  return resource.type === 'ssh'
    ? { type: 'ssh', host: resource.host!, port: resource.port! }
    : { type: 'kubernetes', url: resource.url!, tlsVerify: resource.tlsVerify ?? true, caCertificate: resource.caCertificate };
}

/** The decrypted credential, or a fresh per-session user certificate over the gateway's public key. */
export async function issueSessionCredentials(
  deps: CaStoreDeps & { vault: Vault }, principal: Principal, sessionId: string, sshPublicKey: string | undefined,
): Promise<SessionCredentials> {
  const session = await sessionOfGateway(deps, principal, sessionId);
  const now = deps.clock();
  if (effectiveStatus(session, now) !== 'active') throw new SessionExpiredError(session.id);
  const [account] = session.accountId ? await deps.db.select().from(accounts).where(and(eq(accounts.id, session.accountId), eq(accounts.orgId, session.orgId))).limit(1) : [];
  const [resource] = session.resourceId ? await deps.db.select().from(resources).where(and(eq(resources.id, session.resourceId), eq(resources.orgId, session.orgId))).limit(1) : [];
  if (!account || !resource) throw new SessionExpiredError(session.id);
  let credential: SessionCredential;
  if (account.type === 'ssh-certificate') {
    if (!sshPublicKey) {
      throw new UnprocessableError('ssh_public_key_required', 'This account logs in with a per-session certificate: send the ed25519 public key (sshPublicKey) the gateway made for this session.', { field: 'sshPublicKey' });
    }
    const publicKey = readEd25519PublicKey(sshPublicKey, 'sshPublicKey');
    const ca = await sshCa(deps, { scope: 'resource', orgId: resource.orgId, resourceId: resource.id }, 'resource-ssh-user', principal);
    const certificate = issueSshCertificate({
      ca, certType: 'user', publicKey, now, validBefore: session.expiresAt, principals: [account.username!],
      keyId: `user:${session.userId ?? 'deleted'} session:${session.id}`,
    });
    credential = { type: 'ssh-certificate', username: account.username!, certificate: certificate.line, validBefore: certificate.validBefore };
  } else {
    const secret = await readAccountSecret(deps.vault, account);
    credential = { type: account.type, ...(account.username ? { username: account.username } : {}), ...secret } as SessionCredential;
  }
  await recordAudit(deps.db, {
    orgId: session.orgId, projectId: session.projectId, actor: principal, action: 'session.credentials.issue', targetType: 'session', targetId: session.id,
    details: { accountId: account.id, accountType: account.type }, at: now,
  });
  // The host key pinned by the last reachability check (services/platform/reachability.ts): the bridge refuses any other.
  const hostKeys = await pinnedHostKeys(deps.db, resource);
  return { session, target: { ...targetOf(resource), ...(hostKeys ? { hostKeys } : {}) } as SessionTarget, credential };
}
