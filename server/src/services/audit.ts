import type { DbOrTx } from '../db/client.ts';
import { auditLogs, type AuditActorType } from '../db/schema/index.ts';
import type { Principal } from '../http/principal.ts';

/**
 * Who did it. A signed-in principal is recorded by id; `system` is the server itself (bootstrap,
 * expiry); `anonymous` is an unauthenticated caller (a failed login), labelled with what it claimed.
 */
export type AuditActor =
  | Principal
  | { kind: 'system' }
  | { kind: 'anonymous'; label: string };

export interface AuditEvent {
  /** null only for events outside any org (failed login for an unknown email). */
  orgId: string | null;
  projectId?: string | null;
  actor: AuditActor;
  /** `<area>.<verb>`, e.g. `project.create`, `auth.login.failed`. */
  action: string;
  targetType: string;
  targetId?: string | null;
  /** Never a secret: names, ids, changed field names. */
  details?: Record<string, unknown>;
  /** Pass the app clock's time; defaults to the process clock. */
  at?: Date;
}

function actorColumns(actor: AuditActor): { actorType: AuditActorType; actorId: string | null; actorLabel: string } {
  switch (actor.kind) {
    case 'user': return { actorType: 'user', actorId: actor.userId, actorLabel: actor.email };
    case 'machine': return { actorType: 'machine', actorId: actor.identityId, actorLabel: `machine:${actor.identityId}` };
    case 'system': return { actorType: 'system', actorId: null, actorLabel: 'system' };
    case 'anonymous': return { actorType: 'anonymous', actorId: null, actorLabel: actor.label.slice(0, 320) };
  }
}

/** Appends an audit row. Call it with the transaction that makes the change, so both commit or neither. */
export async function recordAudit(tx: DbOrTx, event: AuditEvent): Promise<void> {
  await tx.insert(auditLogs).values({
    orgId: event.orgId,
    projectId: event.projectId ?? null,
    ...actorColumns(event.actor),
    action: event.action,
    targetType: event.targetType,
    targetId: event.targetId ?? null,
    details: event.details ?? {},
    createdAt: event.at ?? new Date(),
  });
}
