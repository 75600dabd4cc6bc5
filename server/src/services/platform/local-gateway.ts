/**
 * The single-machine deployment's own gateway (`npm start`): on start, the server makes sure the
 * first org has a gateway named "local" bound to a machine identity "local-gateway", and writes
 * that identity's client id and secret to a 0600 file for the launcher to start the gateway
 * with. A later start with the file in place changes nothing (no new secret, so the running
 * gateway's enrollment stays valid); a lost file gets a rotated secret.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { and, asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.ts';
import { gateways, orgs } from '../../db/schema/index.ts';
import { recordAudit } from '../audit.ts';
import { createMachineIdentity, rotateMachineIdentitySecret } from '../machine-identities.ts';

const LOCAL_GATEWAY_NAME = 'local';
const LOCAL_IDENTITY_NAME = 'local-gateway';

const zLocalGatewayCredentials = z.object({ orgId: z.string(), gatewayId: z.string(), clientId: z.string(), clientSecret: z.string() });
export type LocalGatewayCredentials = z.infer<typeof zLocalGatewayCredentials>;

export async function ensureLocalGateway(db: Db, file: string, now: Date): Promise<LocalGatewayCredentials | undefined> {
  const [org] = await db.select({ id: orgs.id }).from(orgs).orderBy(asc(orgs.createdAt)).limit(1);
  if (!org) return undefined;
  const [existing] = await db.select().from(gateways).where(and(eq(gateways.orgId, org.id), eq(gateways.name, LOCAL_GATEWAY_NAME))).limit(1);
  if (existing?.machineIdentityId && existsSync(file)) {
    const stored = zLocalGatewayCredentials.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (stored.success && stored.data.gatewayId === existing.id) return stored.data;
  }
  const system = { kind: 'system' } as const;
  let credentials: LocalGatewayCredentials;
  if (existing?.machineIdentityId) {
    const rotated = await rotateMachineIdentitySecret(db, system, org.id, existing.machineIdentityId, now);
    credentials = { orgId: org.id, gatewayId: existing.id, clientId: rotated.identity.clientId, clientSecret: rotated.clientSecret };
  } else {
    const made = await createMachineIdentity(db, system, org.id, LOCAL_IDENTITY_NAME, now);
    const gateway = existing
      ? (await db.update(gateways).set({ machineIdentityId: made.identity.id, updatedAt: now }).where(eq(gateways.id, existing.id)).returning())[0]!
      : await createLocalGateway(db, org.id, made.identity.id, now);
    credentials = { orgId: org.id, gatewayId: gateway.id, clientId: made.identity.clientId, clientSecret: made.clientSecret };
  }
  const aside = `${file}.${process.pid}.tmp`;
  writeFileSync(aside, JSON.stringify(credentials), { mode: 0o600 });
  renameSync(aside, file);
  return credentials;
}

async function createLocalGateway(db: Db, orgId: string, machineIdentityId: string, now: Date) {
  return db.transaction(async (tx) => {
    const [row] = await tx.insert(gateways).values({
      orgId, name: LOCAL_GATEWAY_NAME, description: 'The gateway npm start runs beside the server', machineIdentityId, createdAt: now, updatedAt: now,
    }).returning();
    await recordAudit(tx, { orgId, actor: { kind: 'system' }, action: 'gateway.create', targetType: 'gateway', targetId: row!.id, details: { name: LOCAL_GATEWAY_NAME, local: true }, at: now });
    return row!;
  });
}
