import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { opensslVerify } from '@postern/shared/pki/openssl.test-support';
import { createCertificateSigningRequest, generatePkiKeyPair, issuePlatformClientCert, readCertificate } from '@postern/shared/pki/index';
import { auditLogs, certificateAuthorities } from '../../db/schema/index.ts';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { dbOrgKeyStore } from '../org-key-store.ts';
import { Vault } from '../vault.ts';
import { sshCa, x509Ca, type CaStoreDeps } from './ca-store.ts';

const SYSTEM = { kind: 'system' } as const;

describe('CA store: created once on first need, keys sealed, tenants apart', () => {
  let server: TestServer;
  let rootKey: Buffer;
  let serverOne: CaStoreDeps;
  let serverTwo: CaStoreDeps;
  let orgA: string;
  let orgB: string;

  beforeAll(async () => {
    server = await createTestServer();
    rootKey = randomBytes(32);
    // Two "servers" on one database: same root key, separate vaults and so separate CA caches.
    serverOne = { db: server.db, clock: () => new Date(), vault: new Vault(rootKey, dbOrgKeyStore(server.db)) };
    serverTwo = { db: server.db, clock: () => new Date(), vault: new Vault(rootKey, dbOrgKeyStore(server.db)) };
    orgA = (await server.seedOrg()).org.id;
    orgB = (await server.seedOrg()).org.id;
  });
  afterAll(() => server?.close());

  it('two servers asking at once for the same CA end with one CA and one audit row', async () => {
    const owner = { scope: 'org', orgId: orgA } as const;
    const results = await Promise.all([
      x509Ca(serverOne, owner, 'gateway-client', SYSTEM), x509Ca(serverTwo, owner, 'gateway-client', SYSTEM),
      x509Ca(serverOne, owner, 'gateway-client', SYSTEM), x509Ca(serverTwo, owner, 'gateway-client', SYSTEM),
    ]);
    expect(new Set(results.map((ca) => ca.certificatePem)).size).toBe(1);
    const rows = await server.db.select().from(certificateAuthorities).where(eq(certificateAuthorities.scopeKey, `org:${orgA}`));
    expect(rows.filter((row) => row.kind === 'gateway-client')).toHaveLength(1);
    const audit = await server.db.select().from(auditLogs).where(eq(auditLogs.targetId, rows[0]!.id));
    expect(audit).toHaveLength(1);
    // Both servers hold a key that signs for the stored certificate.
    const leaf = issuePlatformClientCert(results[1]!, { csr: createCertificateSigningRequest(generatePkiKeyPair(), 'p'), notAfter: new Date(Date.now() + 60_000) });
    expect(opensslVerify(results[0]!.certificatePem, leaf.pem, 'sslclient').ok).toBe(true);
  });

  it('the same for an SSH CA', async () => {
    const owner = { scope: 'instance' } as const;
    const [one, two] = await Promise.all([sshCa(serverOne, owner, 'relay-ssh-client', SYSTEM), sshCa(serverTwo, owner, 'relay-ssh-client', SYSTEM)]);
    expect(one.id).toBe(two.id);
    expect(one.publicKeyLine).toBe(two.publicKeyLine);
  });

  it('per-org CAs differ between orgs and name their org; instance CAs name none', async () => {
    const a = await x509Ca(serverOne, { scope: 'org', orgId: orgA }, 'gateway-server', SYSTEM);
    const b = await x509Ca(serverOne, { scope: 'org', orgId: orgB }, 'gateway-server', SYSTEM);
    expect(a.certificatePem).not.toBe(b.certificatePem);
    expect(readCertificate(a.certificatePem).parameters).toEqual({ role: 'gateway-server-ca', orgId: orgA });
    const instance = await x509Ca(serverOne, { scope: 'instance' }, 'relay-pki-client', SYSTEM);
    expect(readCertificate(instance.certificatePem).parameters).toEqual({ role: 'relay-client-ca' });
    const orgRelay = await x509Ca(serverOne, { scope: 'org', orgId: orgA }, 'relay-pki-client', SYSTEM);
    expect(readCertificate(orgRelay.certificatePem).parameters).toEqual({ role: 'relay-client-ca', orgId: orgA });
  });

  it('private keys are stored sealed; a server with another root key cannot open them', async () => {
    const rows = await server.db.select().from(certificateAuthorities);
    expect(rows.length).toBeGreaterThanOrEqual(5);
    for (const row of rows) expect(row.privateKeyCiphertext).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    const stranger: CaStoreDeps = { db: server.db, clock: () => new Date(), vault: new Vault(randomBytes(32), dbOrgKeyStore(server.db)) };
    await expect(x509Ca(stranger, { scope: 'instance' }, 'relay-pki-client', SYSTEM)).rejects.toThrow(/integrity check/);
    await expect(x509Ca(stranger, { scope: 'org', orgId: orgA }, 'gateway-server', SYSTEM)).rejects.toThrow(/integrity check/);
  });

  it("a CA key moved to another CA's row does not open", async () => {
    const [source] = await server.db.select().from(certificateAuthorities).where(eq(certificateAuthorities.kind, 'gateway-server'));
    const moved = { ...source!, id: '00000000-0000-4000-8000-000000000001' };
    const field = `ca:${moved.id}:private-key`;
    await expect(serverOne.vault.decryptText(moved.orgId!, field, moved.privateKeyCiphertext)).rejects.toThrow(/integrity check/);
    expect(() => serverOne.vault.decryptInstanceText(`ca:${source!.id}:private-key`, source!.privateKeyCiphertext)).toThrow(/integrity check/);
  });

  it('refuses an X.509 CA scoped to a resource', async () => {
    await expect(x509Ca(serverOne, { scope: 'resource', orgId: orgA, resourceId: orgB }, 'gateway-client', SYSTEM)).rejects.toThrow(/not a resource/);
  });
});
