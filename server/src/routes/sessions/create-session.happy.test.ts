import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { opensslVerify } from '@postern/shared/pki/openssl.test-support';
import { readCertificate, readSessionParameters, verifyCertificate } from '@postern/shared/pki/index';
import { auditLogs, pamSessions } from '../../db/schema/index.ts';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { sshResourceInput } from '../../test/pam-fixtures.ts';
import { PKI_ENV, makeRequesterKeys, seedPkiWorld, tamperPem, type PkiWorld } from '../../services/pki/pki-world.test-support.ts';

describe('sessions: a member opens a session and gets both hops\' certificates', () => {
  let server: TestServer;
  let world: PkiWorld;
  let resourceId: string;
  let accountId: string;
  let created: any;
  let gatewayEnrollment: any;
  const client = makeRequesterKeys('client');

  beforeAll(async () => {
    server = await createTestServer({ env: PKI_ENV });
    world = await seedPkiWorld(server);
    const admin = world.users.admin.token;
    resourceId = (await server.post('/api/v1/pam/resources/ssh', sshResourceInput(world), admin)).body.id;
    accountId = (await server.post('/api/v1/pam/accounts', { resourceId, name: 'root', credential: { type: 'ssh-password', username: 'root', password: 'pw-never-shown-9f2' } }, admin)).body.id;
    const keys = makeRequesterKeys('gateway');
    gatewayEnrollment = (await server.post('/api/v1/gateways/renew', { sshPublicKey: keys.sshPublicKey, csr: keys.csr }, world.gatewayIdentityA.token)).body;
    const res = await server.post('/api/v1/pam/sessions', { resourceId, accountId, durationSeconds: 1800, csr: client.csr }, world.users.member.token);
    expect(res.status).toBe(201);
    created = res.body;
  });
  afterAll(() => server?.close());

  it('records the session: org, project, resource, account, user, gateway, relay, start and end', async () => {
    const [row] = await server.db.select().from(pamSessions).where(eq(pamSessions.id, created.sessionId));
    expect(row).toMatchObject({
      orgId: world.a.org.id, projectId: world.a.project.id, resourceId, accountId, userId: world.users.member.user.id,
      gatewayId: world.a.gateway.id, relayId: world.relay.relayId, status: 'active', endedAt: null, terminatedAt: null,
    });
    expect(row!.expiresAt.getTime() - row!.startedAt.getTime()).toBe(1800_000);
    expect(created).toMatchObject({ gatewayId: world.a.gateway.id, protocol: 'postern-ssh', relay: { id: world.relay.relayId, address: '127.0.0.1:8443' } });
    const audit = await server.db.select().from(auditLogs).where(eq(auditLogs.targetId, created.sessionId));
    expect(audit.map((a) => a.action)).toEqual(['session.create']);
  });

  it('the gateway client certificate chains (openssl) to the org Gateway Client CA the gateway trusts, and carries the session', () => {
    const ca = gatewayEnrollment.gatewayClientCaCertificates[0];
    expect(opensslVerify(ca, created.gatewayClientCertificate, 'sslclient')).toMatchObject({ ok: true });
    const params = readSessionParameters(created.gatewayClientCertificate, world.a.gateway.id);
    expect(params).toMatchObject({ sessionId: created.sessionId, resourceId, accountId, orgId: world.a.org.id, gatewayId: world.a.gateway.id });
    expect(readCertificate(created.gatewayClientCertificate).notAfter.toISOString()).toBe(created.expiresAt);
  });

  it('the relay client certificate chains (openssl) to the Relay PKI Client CA the relay trusts, and names the org', () => {
    expect(opensslVerify(world.relay.relayPkiClientCaCertificates[0], created.relayClientCertificate, 'sslclient')).toMatchObject({ ok: true });
    expect(readCertificate(created.relayClientCertificate).parameters).toMatchObject({ role: 'relay-client', orgId: world.a.org.id, actorId: world.users.member.user.id });
  });

  it('the CA chain given to the client verifies both servers: the relay and the gateway', () => {
    expect(created.relayServerCaCertificates).toEqual([world.relay.relayPkiServerCaCertificate]);
    expect(opensslVerify(created.relayServerCaCertificates[0], world.relay.tlsCertificate, 'sslserver').ok).toBe(true);
    expect(created.gatewayServerCaCertificates).toEqual([gatewayEnrollment.gatewayServerCaCertificate]);
    expect(opensslVerify(created.gatewayServerCaCertificates[0], gatewayEnrollment.tlsCertificate, 'sslserver').ok).toBe(true);
  });

  it('both certificates are refused expired, not yet valid, tampered, and against the other org\'s CA', async () => {
    const end = new Date(new Date(created.expiresAt).getTime() + 1000);
    const early = new Date(new Date(created.startedAt).getTime() - 3600_000);
    const gatewayCa = gatewayEnrollment.gatewayClientCaCertificates[0];
    for (const [ca, cert] of [[gatewayCa, created.gatewayClientCertificate], [world.relay.relayPkiClientCaCertificates[0], created.relayClientCertificate]] as const) {
      expect(opensslVerify(ca, cert, 'sslclient', end)).toMatchObject({ ok: false, output: expect.stringMatching(/expired/) });
      expect(opensslVerify(ca, cert, 'sslclient', early)).toMatchObject({ ok: false, output: expect.stringMatching(/not yet valid/) });
      expect(opensslVerify(ca, tamperPem(cert), 'sslclient').ok).toBe(false);
    }
    const keysB = makeRequesterKeys('gateway-b');
    const orgB = (await server.post('/api/v1/gateways/renew', { sshPublicKey: keysB.sshPublicKey, csr: keysB.csr }, world.gatewayIdentityB.token)).body;
    expect(opensslVerify(orgB.gatewayClientCaCertificates[0], created.gatewayClientCertificate, 'sslclient').ok).toBe(false);
    expect(() => verifyCertificate({ certificate: created.gatewayClientCertificate, trustedCas: orgB.gatewayClientCaCertificates, usage: 'clientAuth', roles: ['session-client'] })).toThrow(/not a CA trusted here/);
  });

  it('a separate relay CSR gets the relay certificate over its own key', async () => {
    const relayKeys = makeRequesterKeys('client-relay');
    const res = await server.post('/api/v1/pam/sessions', { accountId, durationSeconds: 60, csr: client.csr, relayCsr: relayKeys.csr }, world.users.admin.token);
    expect(res.status).toBe(201);
    const spki = (pem: string) => readCertificate(pem).certificate.publicKey.export({ type: 'spki', format: 'der' }).toString('hex');
    expect(spki(res.body.relayClientCertificate)).not.toBe(spki(res.body.gatewayClientCertificate));
    expect(opensslVerify(world.relay.relayPkiClientCaCertificates[0], res.body.relayClientCertificate, 'sslclient').ok).toBe(true);
  });

  it('an org admin with no project role may open a session too', async () => {
    const res = await server.post('/api/v1/pam/sessions', { accountId, durationSeconds: 60, csr: client.csr }, world.users.orgAdmin.token);
    expect(res.status).toBe(201);
  });
});
