import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { opensslVerify } from '@postern/shared/pki/openssl.test-support';
import { readCertificate } from '@postern/shared/pki/index';
import { parseSshCertificate } from '@postern/shared/ssh/certificate';
import { verifySshCertificate } from '@postern/shared/ssh/certificate-verify';
import { parseGatewayKeyId } from '@postern/shared/relay/gateway-ssh-identity';
import { auditLogs } from '../../db/schema/index.ts';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { seedPamWorld } from '../../test/pam-fixtures.ts';
import {
  PKI_ENV, bindGatewayIdentity, enrollManagedRelay, makeRequesterKeys, opensslText, sshKeygenList, tamperPem,
} from '../../services/pki/pki-world.test-support.ts';

describe('gateway enrollment: a gateway gets its certificates, each checked by OpenSSH or OpenSSL', () => {
  let server: TestServer;
  let relay: any;
  let orgId: string;
  let gatewayId: string;
  let token: string;
  let enrolled: any;
  let otherOrgServerCa: string;
  const keys = makeRequesterKeys('gateway-a');

  beforeAll(async () => {
    server = await createTestServer({ env: PKI_ENV });
    const world = await seedPamWorld(server);
    relay = await enrollManagedRelay(server);
    orgId = world.a.org.id;
    gatewayId = world.a.gateway.id;
    token = (await bindGatewayIdentity(server, orgId, gatewayId)).token;
    const res = await server.post('/api/v1/gateways/enroll', { sshPublicKey: keys.sshPublicKey, csr: keys.csr }, token);
    expect(res.status).toBe(200);
    enrolled = res.body;
    const tokenB = (await bindGatewayIdentity(server, world.b.org.id, world.b.gateway.id)).token;
    const keysB = makeRequesterKeys('gateway-b');
    otherOrgServerCa = (await server.post('/api/v1/gateways/enroll', { sshPublicKey: keysB.sshPublicKey, csr: keysB.csr }, tokenB)).body.gatewayServerCaCertificate;
  });
  afterAll(() => server?.close());

  it('names the gateway, its org and the relay it should tunnel to', () => {
    expect(enrolled.gatewayId).toBe(gatewayId);
    expect(enrolled.orgId).toBe(orgId);
    expect(enrolled.relay).toEqual({ id: relay.relayId, name: 'managed-1', gatewaySshAddress: 'relay.postern.test:8022', clientTlsAddress: '127.0.0.1:8443' });
    expect(new Date(enrolled.renewAfter).getTime()).toBeLessThan(new Date(enrolled.expiresAt).getTime());
  });

  it('the SSH user certificate reads, in ssh-keygen -L, as principal = gateway id with a key id naming the org', () => {
    const listing = sshKeygenList(enrolled.sshCertificate);
    expect(listing).toMatch(/Type: ssh-ed25519-cert-v01@openssh.com user certificate/);
    expect(listing).toContain(`Key ID: "org:${orgId}"`);
    expect(parseGatewayKeyId(parseSshCertificate(enrolled.sshCertificate).keyId)).toBe(orgId);
    expect(listing).toMatch(new RegExp(`Principals:\\s*\\n\\s*${gatewayId}\\s*\\n`));
    expect(listing).toMatch(/Extensions:\s*\n\s*permit-port-forwarding\s*\n\s*$/);
    const cert = parseSshCertificate(enrolled.sshCertificate);
    expect(cert.publicKey.blob.toString('base64')).toBe(keys.sshPublicKey.split(' ')[1]);
  });

  it('the SSH certificate verifies against the relay SSH client CA the relay was given, and only while valid', () => {
    const ca = relay.relaySshClientCaPublicKeys[0];
    const now = new Date();
    expect(verifySshCertificate(enrolled.sshCertificate, { caPublicKey: ca, certType: 'user', principal: gatewayId, now }).keyId).toContain(orgId);
    expect(() => verifySshCertificate(enrolled.sshCertificate, { caPublicKey: ca, certType: 'user', principal: gatewayId, now: new Date(enrolled.expiresAt) })).toThrow(/expired/);
    expect(() => verifySshCertificate(enrolled.sshCertificate, { caPublicKey: ca, certType: 'user', principal: gatewayId, now: new Date(now.getTime() - 3600_000) })).toThrow(/valid only from/);
    expect(() => verifySshCertificate(enrolled.sshCertificate, { caPublicKey: relay.relaySshServerCaPublicKey, certType: 'user', principal: gatewayId, now })).toThrow(/signed by CA/);
  });

  it("the relay's SSH server CA the gateway receives is the one that signed the relay's host certificate", () => {
    expect(enrolled.relaySshServerCaPublicKeys).toEqual([relay.relaySshServerCaPublicKey]);
    expect(verifySshCertificate(relay.sshHostCertificate, { caPublicKey: enrolled.relaySshServerCaPublicKeys[0], certType: 'host', principal: 'relay.postern.test', now: new Date() }).certType).toBe('host');
  });

  it('the inner TLS certificate passes openssl verify against the org Gateway Server CA, with the gateway URI SAN', () => {
    expect(opensslVerify(enrolled.gatewayServerCaCertificate, enrolled.tlsCertificate, 'sslserver')).toMatchObject({ ok: true });
    expect(opensslText(enrolled.tlsCertificate)).toContain(`URI:urn:postern:gateway:${gatewayId}`);
    const info = readCertificate(enrolled.tlsCertificate);
    expect(info.parameters).toMatchObject({ role: 'gateway-server', orgId, gatewayId });
    expect(readCertificate(enrolled.gatewayClientCaCertificates[0]).parameters).toMatchObject({ role: 'gateway-client-ca', orgId });
  });

  it('openssl refuses the TLS certificate expired, not yet valid, against another org\'s CA, and tampered', () => {
    const ca = enrolled.gatewayServerCaCertificate;
    const after = new Date(new Date(enrolled.expiresAt).getTime() + 60_000);
    const before = new Date(new Date(enrolled.issuedAt).getTime() - 60_000);
    expect(opensslVerify(ca, enrolled.tlsCertificate, 'sslserver', after)).toMatchObject({ ok: false, output: expect.stringMatching(/expired/) });
    expect(opensslVerify(ca, enrolled.tlsCertificate, 'sslserver', before)).toMatchObject({ ok: false, output: expect.stringMatching(/not yet valid/) });
    expect(opensslVerify(otherOrgServerCa, enrolled.tlsCertificate, 'sslserver')).toMatchObject({ ok: false });
    expect(opensslVerify(ca, tamperPem(enrolled.tlsCertificate), 'sslserver').ok).toBe(false);
    expect(opensslVerify(ca, enrolled.tlsCertificate, 'sslclient').ok).toBe(false);
  });

  it('renewal re-issues over new keys, keeps the relay, and is audited', async () => {
    const next = makeRequesterKeys('gateway-a-2');
    const res = await server.post('/api/v1/gateways/renew', { sshPublicKey: next.sshPublicKey, csr: next.csr }, token);
    expect(res.status).toBe(200);
    expect(res.body.relay.id).toBe(enrolled.relay.id);
    expect(res.body.sshCertificate).not.toBe(enrolled.sshCertificate);
    expect(parseSshCertificate(res.body.sshCertificate).publicKey.blob.toString('base64')).toBe(next.sshPublicKey.split(' ')[1]);
    expect(res.body.gatewayServerCaCertificate).toBe(enrolled.gatewayServerCaCertificate);
    expect(opensslVerify(res.body.gatewayServerCaCertificate, res.body.tlsCertificate, 'sslserver').ok).toBe(true);
    const actions = (await server.db.select().from(auditLogs)).filter((row) => row.targetId === gatewayId).map((row) => row.action);
    expect(actions).toEqual(expect.arrayContaining(['gateway.enroll', 'gateway.renew']));
  });

  it("prefers the org's own relay over the managed one once the org enrolls a relay", async () => {
    const relayIdentity = await server.seedMachineIdentity({ orgId });
    const relayKeys = makeRequesterKeys('org-relay');
    const own = await server.post('/api/v1/relays/enroll', {
      name: 'org-relay', sshHostPublicKey: relayKeys.sshPublicKey, csr: relayKeys.csr, clientTlsAddress: 'relay.a.test:443', gatewaySshAddress: 'relay.a.test:22',
    }, relayIdentity.token);
    expect(own.status).toBe(200);
    // The recorded relay still serves, so a renewal keeps it; a gateway whose relay is revoked moves.
    await server.post(`/api/v1/relays/${enrolled.relay.id}/revoke`, {}, 'relay-enrollment-token-0123456789abcdef-never-shown');
    const next = makeRequesterKeys('gateway-a-3');
    const res = await server.post('/api/v1/gateways/renew', { sshPublicKey: next.sshPublicKey, csr: next.csr }, token);
    expect(res.status).toBe(200);
    expect(res.body.relay.id).toBe(own.body.relayId);
    expect(verifySshCertificate(res.body.sshCertificate, { caPublicKey: own.body.relaySshClientCaPublicKeys[0], certType: 'user', principal: gatewayId, now: new Date() }).principals).toEqual([gatewayId]);
    expect(() => verifySshCertificate(res.body.sshCertificate, { caPublicKey: relay.relaySshClientCaPublicKeys[0], certType: 'user', principal: gatewayId, now: new Date() })).toThrow(/signed by CA/);
  });
});
