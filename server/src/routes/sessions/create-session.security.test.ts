import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { opensslVerify } from '@postern/shared/pki/openssl.test-support';
import { readCertificate } from '@postern/shared/pki/index';
import { eq } from 'drizzle-orm';
import { auditLogs, certificateAuthorities, gatewayEnrollments, gateways } from '../../db/schema/index.ts';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { sshResourceInput } from '../../test/pam-fixtures.ts';
import { PKI_ENV, RELAY_TOKEN, bindGatewayIdentity, makeRequesterKeys, seedPkiWorld, type PkiWorld } from '../../services/pki/pki-world.test-support.ts';

describe('sessions: roles, tenants and secrets', () => {
  let server: TestServer;
  let world: PkiWorld;
  let accountA: string;
  let accountB: string;
  let gatewayCaA: string;
  let gatewayCaB: string;
  const client = makeRequesterKeys('client');
  const password = 'target-password-never-in-a-log-31c';

  beforeAll(async () => {
    server = await createTestServer({ env: PKI_ENV });
    world = await seedPkiWorld(server);
    const resourceA = (await server.post('/api/v1/pam/resources/ssh', sshResourceInput(world), world.users.admin.token)).body.id;
    accountA = (await server.post('/api/v1/pam/accounts', { resourceId: resourceA, name: 'pw', credential: { type: 'ssh-password', username: 'root', password } }, world.users.admin.token)).body.id;
    const resourceB = (await server.post('/api/v1/pam/resources/ssh', { ...sshResourceInput(world), projectId: world.b.project.id, gatewayId: world.b.gateway.id }, world.b.owner.token)).body.id;
    accountB = (await server.post('/api/v1/pam/accounts', { resourceId: resourceB, name: 'cert', credential: { type: 'ssh-certificate', username: 'root' } }, world.b.owner.token)).body.id;
    const renew = async (token: string) => {
      const keys = makeRequesterKeys('gw');
      return (await server.post('/api/v1/gateways/renew', { sshPublicKey: keys.sshPublicKey, csr: keys.csr }, token)).body.gatewayClientCaCertificates[0];
    };
    gatewayCaA = await renew(world.gatewayIdentityA.token);
    gatewayCaB = await renew(world.gatewayIdentityB.token);
  });
  afterAll(() => server?.close());

  const open = (accountId: string, token: string) => server.post('/api/v1/pam/sessions', { accountId, durationSeconds: 300, csr: client.csr }, token);

  const roles: Array<['admin' | 'member' | 'orgAdmin' | 'auditor' | 'outsider', number]> = [
    ['admin', 201], ['member', 201], ['orgAdmin', 201], ['auditor', 403], ['outsider', 404],
  ];
  it.each(roles)('project %s → %i', async (who, status) => {
    const before = await server.tableCounts();
    const res = await open(accountA, world.users[who].token);
    expect(res.status).toBe(status);
    if (status !== 201) expect(await server.tableCounts()).toEqual(before);
  });

  it('a machine identity cannot open a session, even with a project role', async () => {
    const machine = await server.seedMachineIdentity({ orgId: world.a.org.id, projects: [{ projectId: world.a.project.id, role: 'member' }] });
    const res = await open(accountA, machine.token);
    expect(res.status).toBe(403);
  });

  describe.each([
    ["org B's owner asks for org A's account", () => ({ account: accountA, token: world.b.owner.token })],
    ["org A's owner asks for org B's account", () => ({ account: accountB, token: world.a.owner.token })],
    ["org A's project admin asks for org B's account", () => ({ account: accountB, token: world.users.admin.token })],
  ])('cross-tenant: %s', (_label, attempt) => {
    it('gets 404 and no certificate, and nothing is written', async () => {
      const { account, token } = attempt();
      const before = await server.tableCounts();
      const res = await open(account, token);
      expect(res.status).toBe(404);
      expect(res.text).not.toContain('BEGIN CERTIFICATE');
      expect(await server.tableCounts()).toEqual(before);
    });
  });

  it("each org's session certificate chains only to its own org's Gateway Client CA", async () => {
    const a = (await open(accountA, world.users.member.token)).body;
    const b = (await open(accountB, world.b.owner.token)).body;
    expect(opensslVerify(gatewayCaA, a.gatewayClientCertificate, 'sslclient').ok).toBe(true);
    expect(opensslVerify(gatewayCaB, b.gatewayClientCertificate, 'sslclient').ok).toBe(true);
    expect(opensslVerify(gatewayCaB, a.gatewayClientCertificate, 'sslclient').ok).toBe(false);
    expect(opensslVerify(gatewayCaA, b.gatewayClientCertificate, 'sslclient').ok).toBe(false);
    expect(readCertificate(a.relayClientCertificate).parameters.orgId).toBe(world.a.org.id);
    expect(readCertificate(b.relayClientCertificate).parameters.orgId).toBe(world.b.org.id);
  });

  describe.each([
    ["org B's gateway asks for org A's session credentials", () => world.gatewayIdentityB.token],
    ["an org A machine identity that is no gateway's asks", async () => (await server.seedMachineIdentity({ orgId: world.a.org.id })).token],
    ["org A's project admin (a user) asks", () => world.users.admin.token],
  ])('cross-gateway: %s', (_label, tokenOf) => {
    it('gets no credential', async () => {
      const session = (await open(accountA, world.users.member.token)).body;
      const token = await tokenOf();
      const creds = await server.post(`/api/v1/pam/sessions/${session.sessionId}/credentials`, {}, token);
      expect([403, 404]).toContain(creds.status);
      expect(creds.text).not.toContain(password);
      expect((await server.get(`/api/v1/pam/sessions/${session.sessionId}/status`, token)).status).toBeGreaterThanOrEqual(403);
    });
  });

  describe("customer relays: a session's relay certificate opens only its own org's relay", () => {
    let relayA: any;
    let relayB: any;
    beforeAll(async () => {
      const enrollRelay = async (orgId: string, name: string) => {
        const identity = await server.seedMachineIdentity({ orgId });
        const keys = makeRequesterKeys(name);
        return (await server.post('/api/v1/relays/enroll', { name, sshHostPublicKey: keys.sshPublicKey, csr: keys.csr, clientTlsAddress: `${name}.test:443`, gatewaySshAddress: `${name}.test:22` }, identity.token)).body;
      };
      relayA = await enrollRelay(world.a.org.id, 'edge-a');
      relayB = await enrollRelay(world.b.org.id, 'edge-b');
    });

    it("a gateway enrolling after its org has a relay uses it; the session's relay certificate chains to that org's relay CA only", async () => {
      const [gateway] = await server.db.insert(gateways).values({ orgId: world.a.org.id, name: 'gw-a2' }).returning();
      const identity = await bindGatewayIdentity(server, world.a.org.id, gateway!.id);
      const keys = makeRequesterKeys('gw-a2');
      const enrolled = (await server.post('/api/v1/gateways/enroll', { sshPublicKey: keys.sshPublicKey, csr: keys.csr }, identity.token)).body;
      expect(enrolled.relay.id).toBe(relayA.relayId);
      const resourceId = (await server.post('/api/v1/pam/resources/ssh', sshResourceInput(world, { gatewayId: gateway!.id }), world.users.admin.token)).body.id;
      const accountId = (await server.post('/api/v1/pam/accounts', { resourceId, name: 'c', credential: { type: 'ssh-certificate', username: 'u' } }, world.users.admin.token)).body.id;
      const session = (await open(accountId, world.users.member.token)).body;
      expect(session.relay).toEqual({ id: relayA.relayId, address: 'edge-a.test:443' });
      expect(opensslVerify(relayA.relayPkiClientCaCertificates[0], session.relayClientCertificate, 'sslclient').ok).toBe(true);
      expect(opensslVerify(relayB.relayPkiClientCaCertificates[0], session.relayClientCertificate, 'sslclient').ok).toBe(false);
      expect(opensslVerify(world.relay.relayPkiClientCaCertificates[0], session.relayClientCertificate, 'sslclient').ok).toBe(false);
      expect(session.relayServerCaCertificates).toEqual([relayA.relayPkiServerCaCertificate]);
    });

    it("an enrollment row pointing at another org's relay is never used: sessions refuse, renewal moves the gateway back", async () => {
      await server.db.update(gatewayEnrollments).set({ relayId: relayB.relayId }).where(eq(gatewayEnrollments.gatewayId, world.a.gateway.id));
      const before = await server.tableCounts();
      const res = await open(accountA, world.users.member.token);
      expect(res.status).toBe(422);
      expect(res.text).not.toContain('CERTIFICATE');
      expect(await server.tableCounts()).toEqual(before);
      const keys = makeRequesterKeys('gw-a');
      const renewed = (await server.post('/api/v1/gateways/renew', { sshPublicKey: keys.sshPublicKey, csr: keys.csr }, world.gatewayIdentityA.token)).body;
      expect(renewed.relay.id).toBe(relayA.relayId);
      expect((await open(accountA, world.users.member.token)).status).toBe(201);
    });
  });

  it('no CA private key, target password or relay token ever appears in a response or a log line', async () => {
    await server.post(`/api/v1/pam/sessions/${(await open(accountA, world.users.member.token)).body.sessionId}/credentials`, {}, world.gatewayIdentityA.token);
    const rows = await server.db.select().from(certificateAuthorities);
    expect(rows.length).toBeGreaterThanOrEqual(8);
    const keyBodies: string[] = [];
    for (const row of rows) {
      const field = `ca:${row.id}:private-key`;
      const pem = row.orgId ? await server.deps.vault.decryptText(row.orgId, field, row.privateKeyCiphertext) : server.deps.vault.decryptInstanceText(field, row.privateKeyCiphertext);
      expect(pem).toContain('PRIVATE KEY');
      expect(row.privateKeyCiphertext).not.toContain('PRIVATE KEY');
      keyBodies.push(pem.split('\n').slice(1, -2).join(''), pem.split('\n')[1]!);
    }
    expect(server.logs.length).toBeGreaterThan(10);
    const responsesOtherThanCredentials = server.responses.filter((text) => !text.includes('"credential"'));
    const auditText = JSON.stringify(await server.db.select().from(auditLogs));
    for (const text of [...server.responses, ...server.logs, auditText]) {
      for (const secret of keyBodies) expect(text).not.toContain(secret);
      expect(text).not.toContain(RELAY_TOKEN);
      expect(text).not.toContain('PRIVATE KEY');
    }
    for (const text of [...responsesOtherThanCredentials, ...server.logs, auditText]) expect(text).not.toContain(password);
  });
});
