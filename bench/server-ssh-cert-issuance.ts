/**
 * The server's side of per-session SSH certificates, 1,000 at a time:
 *   1. service: CA from the CA store (vault-sealed, cached), gateway key line parsed, cert signed;
 *   2. HTTP: POST /api/v1/pam/sessions/{id}/credentials by the session's gateway (auth, session
 *      and account lookups, audit row, PGlite in memory), 1,000 sessions made beforehand;
 *   3. HTTP: POST /api/v1/pam/sessions (role check, two X.509 certificates, session row, audit row).
 * Run: node --import tsx bench/server-ssh-cert-issuance.ts [count]
 */
import { eq } from 'drizzle-orm';
import { createCertificateSigningRequest, generatePkiKeyPair } from '@postern/shared/pki/index';
import { formatPublicKeyLine, generateEd25519KeyPair } from '@postern/shared/ssh/keys';
import { gateways } from '../server/src/db/schema/index.ts';
import { sshCa } from '../server/src/services/pki/ca-store.ts';
import { issueSshCertificate, readEd25519PublicKey } from '../server/src/services/pki/issuance.ts';
import { createTestServer } from '../server/src/test/harness.ts';
import { seedPamWorld, sshResourceInput } from '../server/src/test/pam-fixtures.ts';
import { report } from './lib/report.ts';

const TARGET_PER_SECOND = 2_000;

const count = Number(process.argv[2] ?? 1_000);
const RELAY_TOKEN = 'bench-relay-token-0123456789abcdef0123456789';

/** Prints the line and returns the rate per second. */
function print(label: string, seconds: number): number {
  console.log(`${label}: ${count} in ${(seconds * 1000).toFixed(0)} ms = ${Math.round(count / seconds)}/s (${((seconds * 1000) / count).toFixed(3)} ms each)`);
  return count / seconds;
}

async function timed(run: () => Promise<void>): Promise<number> {
  const started = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

const server = await createTestServer({ env: { POSTERN_RELAY_ENROLLMENT_TOKEN: RELAY_TOKEN, POSTERN_LOG_LEVEL: 'silent' } });
try {
  const world = await seedPamWorld(server);
  const csr = createCertificateSigningRequest(generatePkiKeyPair(), 'bench');
  const hostKey = formatPublicKeyLine(generateEd25519KeyPair().publicKey);
  await server.post('/api/v1/relays/enroll', { name: 'bench', sshHostPublicKey: hostKey, csr }, RELAY_TOKEN);
  const gatewayIdentity = await server.seedMachineIdentity({ orgId: world.a.org.id });
  await server.db.update(gateways).set({ machineIdentityId: gatewayIdentity.identity.id }).where(eq(gateways.id, world.a.gateway.id));
  await server.post('/api/v1/gateways/enroll', { sshPublicKey: hostKey, csr }, gatewayIdentity.token);
  const admin = world.users.admin.token;
  const resourceId = (await server.post('/api/v1/pam/resources/ssh', sshResourceInput(world), admin)).body.id;
  const accountId = (await server.post('/api/v1/pam/accounts', { resourceId, name: 'cert', credential: { type: 'ssh-certificate', username: 'deploy' } }, admin)).body.id;
  // Gateways make their keys; the server receives only public key lines.
  const keyLines = Array.from({ length: count }, () => formatPublicKeyLine(generateEd25519KeyPair().publicKey));

  const owner = { scope: 'resource', orgId: world.a.org.id, resourceId } as const;
  const actor = { kind: 'system' } as const;
  await sshCa(server.deps, owner, 'resource-ssh-user', actor);
  const service = print('service: per-session user certs (CA store + parse + sign)', await timed(async () => {
    const now = new Date();
    const validBefore = new Date(now.getTime() + 3_600_000);
    for (const [i, line] of keyLines.entries()) {
      const ca = await sshCa(server.deps, owner, 'resource-ssh-user', actor);
      issueSshCertificate({ ca, certType: 'user', publicKey: readEd25519PublicKey(line, 'sshPublicKey'), now, validBefore, principals: ['deploy'], keyId: `user:bench session:${i}` });
    }
  }));

  const sessionIds: string[] = [];
  const sessionsHttp = print('HTTP: POST /api/v1/pam/sessions', await timed(async () => {
    for (let i = 0; i < count; i++) {
      const res = await server.post('/api/v1/pam/sessions', { accountId, durationSeconds: 3600, csr }, world.users.member.token);
      if (res.status !== 201) throw new Error(`session: ${res.status} ${res.text}`);
      sessionIds.push(res.body.sessionId);
    }
  }));
  const credentialsHttp = print('HTTP: POST /api/v1/pam/sessions/{id}/credentials (per-session SSH cert)', await timed(async () => {
    for (const [i, sessionId] of sessionIds.entries()) {
      const res = await server.post(`/api/v1/pam/sessions/${sessionId}/credentials`, { sshPublicKey: keyLines[i] }, gatewayIdentity.token);
      if (res.status !== 200) throw new Error(`credentials: ${res.status} ${res.text}`);
    }
  }));
  report({ measure: "SSH user certs from the server's PKI (CA store + sign)", unit: 'certs/s', value: service, better: 'higher', target: `≥ ${TARGET_PER_SECOND}/s`, met: service >= TARGET_PER_SECOND });
  report({ measure: 'sessions created over HTTP (2 X.509 certs each)', unit: '/s', value: sessionsHttp, better: 'higher' });
  report({ measure: 'SSH session certs fetched by the gateway over HTTP', unit: '/s', value: credentialsHttp, better: 'higher' });
} finally {
  await server.close();
}
