import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { opensslVerify } from '@postern/shared/pki/openssl.test-support';
import { verifySshCertificate } from '@postern/shared/ssh/certificate-verify';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { sshResourceInput } from '../../test/pam-fixtures.ts';
import { PKI_ENV, RELAY_TOKEN, makeRequesterKeys, seedPkiWorld, type PkiWorld } from '../../services/pki/pki-world.test-support.ts';

describe('gateway enrollment: tenants, roles and revocation', () => {
  let server: TestServer;
  let world: PkiWorld;
  const keys = makeRequesterKeys('gateway');
  const enroll = (token: string, extra: Record<string, unknown> = {}, path = 'enroll') =>
    server.post(`/api/v1/gateways/${path}`, { sshPublicKey: keys.sshPublicKey, csr: keys.csr, ...extra }, token);

  beforeAll(async () => {
    server = await createTestServer({ env: PKI_ENV });
    world = await seedPkiWorld(server);
  });
  afterAll(() => server?.close());

  describe.each([
    ["org B's gateway identity names org A's gateway", () => ({ token: world.gatewayIdentityB.token, gatewayId: world.a.gateway.id })],
    ["org A's gateway identity names org B's gateway", () => ({ token: world.gatewayIdentityA.token, gatewayId: world.b.gateway.id })],
  ])('cross-tenant: %s', (_label, attempt) => {
    it.each(['enroll', 'renew'])('%s gets 404 and no certificate', async (path) => {
      const { token, gatewayId } = attempt();
      const res = await enroll(token, { gatewayId }, path);
      expect(res.status).toBe(404);
      expect(res.text).not.toContain('CERTIFICATE');
    });
  });

  it("org A's gateway certificates never chain to org B's CAs", async () => {
    const a = (await enroll(world.gatewayIdentityA.token)).body;
    const b = (await enroll(world.gatewayIdentityB.token)).body;
    expect(a.gatewayServerCaCertificate).not.toBe(b.gatewayServerCaCertificate);
    expect(opensslVerify(b.gatewayServerCaCertificate, a.tlsCertificate, 'sslserver').ok).toBe(false);
    expect(opensslVerify(a.gatewayServerCaCertificate, b.tlsCertificate, 'sslserver').ok).toBe(false);
    // Both use the managed relay: one SSH CA, and each certificate names only its own gateway and org.
    const ca = world.relay.relaySshClientCaPublicKeys[0];
    expect(() => verifySshCertificate(a.sshCertificate, { caPublicKey: ca, certType: 'user', principal: world.b.gateway.id, now: new Date() })).toThrow(/not valid for principal/);
    expect(verifySshCertificate(b.sshCertificate, { caPublicKey: ca, certType: 'user', principal: world.b.gateway.id, now: new Date() }).keyId).toContain(`org:${world.b.org.id}`);
  });

  it.each([
    ['a project admin', () => world.users.admin.token, 403],
    ['an org member', () => world.users.outsider.token, 403],
    ["org B's owner", () => world.b.owner.token, 404],
    ["the gateway's own machine identity", () => world.gatewayIdentityA.token, 403],
  ])('%s cannot revoke the gateway', async (_label, tokenOf, status) => {
    const res = await server.post(`/api/v1/orgs/${world.a.org.id}/gateways/${world.a.gateway.id}/revoke`, {}, tokenOf());
    expect(res.status).toBe(status);
    expect((await enroll(world.gatewayIdentityA.token, {}, 'renew')).status).toBe(200);
  });

  it('a revoked gateway gets nothing more: no certificate, no credential, no new session', async () => {
    const admin = world.users.admin.token;
    const resourceId = (await server.post('/api/v1/pam/resources/ssh', sshResourceInput(world), admin)).body.id;
    const accountId = (await server.post('/api/v1/pam/accounts', { resourceId, name: 'pw', credential: { type: 'ssh-password', username: 'u', password: 'p-never' } }, admin)).body.id;
    const client = makeRequesterKeys('client');
    const session = (await server.post('/api/v1/pam/sessions', { accountId, durationSeconds: 600, csr: client.csr }, world.users.member.token)).body;

    const revoked = await server.post(`/api/v1/orgs/${world.a.org.id}/gateways/${world.a.gateway.id}/revoke`, {}, world.a.owner.token);
    expect(revoked.status).toBe(200);
    for (const path of ['enroll', 'renew']) {
      const res = await enroll(world.gatewayIdentityA.token, {}, path);
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('gateway_revoked');
    }
    const creds = await server.post(`/api/v1/pam/sessions/${session.sessionId}/credentials`, {}, world.gatewayIdentityA.token);
    expect(creds.status).toBe(403);
    expect(creds.text).not.toContain('p-never');
    expect((await server.get(`/api/v1/pam/sessions/${session.sessionId}/status`, world.gatewayIdentityA.token)).status).toBe(403);
    const next = await server.post('/api/v1/pam/sessions', { accountId, durationSeconds: 600, csr: client.csr }, world.users.member.token);
    expect(next.status).toBe(422);
    expect(next.body.error).toMatchObject({ code: 'gateway_unavailable', details: { reason: 'revoked' } });
    // Revoking again keeps the first revocation time.
    const again = await server.post(`/api/v1/orgs/${world.a.org.id}/gateways/${world.a.gateway.id}/revoke`, {}, world.a.owner.token);
    expect(again.body.revokedAt).toBe(revoked.body.revokedAt);
    // Org B's gateway is untouched.
    expect((await enroll(world.gatewayIdentityB.token, {}, 'renew')).status).toBe(200);
  });

  it('the relay token is not a gateway credential', async () => {
    expect((await enroll(RELAY_TOKEN)).status).toBe(401);
  });
});
