import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { opensslVerify } from '@postern/shared/pki/openssl.test-support';
import { readCertificate } from '@postern/shared/pki/index';
import { verifySshCertificate } from '@postern/shared/ssh/certificate-verify';
import { relays } from '../../db/schema/index.ts';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { seedPamWorld, type PamWorld } from '../../test/pam-fixtures.ts';
import { PKI_ENV, RELAY_TOKEN, makeRequesterKeys, opensslText, sshKeygenList, tamperPem } from '../../services/pki/pki-world.test-support.ts';

describe('relay enrollment: managed and customer relays get host and TLS certificates', () => {
  let server: TestServer;
  let world: PamWorld;
  let managed: any;
  const keys = makeRequesterKeys('relay');

  beforeAll(async () => {
    server = await createTestServer({ env: { ...PKI_ENV, POSTERN_RELAY_CLIENT_ADDRESS: '127.0.0.1:9443', POSTERN_RELAY_GATEWAY_SSH_ADDRESS: 'relay.local.test:9022' } });
    world = await seedPamWorld(server);
    const res = await server.post('/api/v1/relays/enroll', { name: 'managed', sshHostPublicKey: keys.sshPublicKey, csr: keys.csr }, RELAY_TOKEN);
    expect(res.status).toBe(200);
    managed = res.body;
  });
  afterAll(() => server?.close());

  it('a managed relay without addresses takes them from the server config and is instance-scoped', async () => {
    expect(managed).toMatchObject({ name: 'managed', scope: 'instance', orgId: null, clientTlsAddress: '127.0.0.1:9443', gatewaySshAddress: 'relay.local.test:9022' });
    const [row] = await server.db.select().from(relays);
    expect(row).toMatchObject({ id: managed.relayId, scope: 'instance', orgId: null, revokedAt: null });
  });

  it('its SSH host certificate reads, in ssh-keygen -L, as a host certificate for the gateway-facing name', () => {
    const listing = sshKeygenList(managed.sshHostCertificate);
    expect(listing).toMatch(/ssh-ed25519-cert-v01@openssh.com host certificate/);
    expect(listing).toMatch(/Principals:\s*\n\s*relay\.local\.test\s*\n\s*relay-[0-9a-f-]{36}\s*\n/);
    expect(listing).toContain(`Key ID: "relay:${managed.relayId} instance"`);
    const now = new Date();
    expect(verifySshCertificate(managed.sshHostCertificate, { caPublicKey: managed.relaySshServerCaPublicKey, certType: 'host', principal: 'relay.local.test', now }).certType).toBe('host');
    expect(() => verifySshCertificate(managed.sshHostCertificate, { caPublicKey: managed.relaySshServerCaPublicKey, certType: 'host', principal: 'relay.local.test', now: new Date(managed.expiresAt) })).toThrow(/expired/);
    expect(() => verifySshCertificate(managed.sshHostCertificate, { caPublicKey: managed.relaySshClientCaPublicKeys[0], certType: 'host', principal: 'relay.local.test', now })).toThrow(/signed by CA/);
  });

  it('its TLS certificate passes openssl verify as a server for the IP it listens on; refusals hold', () => {
    const ca = managed.relayPkiServerCaCertificate;
    expect(opensslVerify(ca, managed.tlsCertificate, 'sslserver')).toMatchObject({ ok: true });
    expect(opensslText(managed.tlsCertificate)).toContain('IP Address:127.0.0.1');
    expect(readCertificate(managed.tlsCertificate).parameters).toEqual({ role: 'relay-server' });
    expect(opensslVerify(ca, managed.tlsCertificate, 'sslserver', new Date(new Date(managed.expiresAt).getTime() + 1000)).ok).toBe(false);
    expect(opensslVerify(ca, managed.tlsCertificate, 'sslserver', new Date(new Date(managed.issuedAt).getTime() - 1000)).ok).toBe(false);
    expect(opensslVerify(ca, tamperPem(managed.tlsCertificate), 'sslserver').ok).toBe(false);
    expect(opensslVerify(managed.relayPkiClientCaCertificates[0], managed.tlsCertificate, 'sslserver').ok).toBe(false);
  });

  it('a customer relay enrolls with an org machine identity and gets org-scoped CAs', async () => {
    const identity = await server.seedMachineIdentity({ orgId: world.a.org.id });
    const own = makeRequesterKeys('org-relay');
    const res = await server.post('/api/v1/relays/enroll', {
      name: 'edge', sshHostPublicKey: own.sshPublicKey, csr: own.csr, clientTlsAddress: 'edge.a.test:443', gatewaySshAddress: 'edge.a.test:22',
    }, identity.token);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ scope: 'org', orgId: world.a.org.id });
    expect(res.body.relayPkiServerCaCertificate).not.toBe(managed.relayPkiServerCaCertificate);
    expect(res.body.relaySshClientCaPublicKeys).not.toEqual(managed.relaySshClientCaPublicKeys);
    expect(readCertificate(res.body.relayPkiClientCaCertificates[0]).parameters).toEqual({ role: 'relay-client-ca', orgId: world.a.org.id });
    expect(opensslVerify(res.body.relayPkiServerCaCertificate, res.body.tlsCertificate, 'sslserver').ok).toBe(true);
    expect(opensslText(res.body.tlsCertificate)).toContain('DNS:edge.a.test');
    expect(opensslVerify(managed.relayPkiServerCaCertificate, res.body.tlsCertificate, 'sslserver').ok).toBe(false);
  });

  it('renewal re-issues over new keys; enrolling again under the same name updates the same relay', async () => {
    const next = makeRequesterKeys('relay-2');
    const renewed = await server.post(`/api/v1/relays/${managed.relayId}/renew`, { sshHostPublicKey: next.sshPublicKey, csr: next.csr }, RELAY_TOKEN);
    expect(renewed.status).toBe(200);
    expect(renewed.body.relayId).toBe(managed.relayId);
    expect(renewed.body.sshHostCertificate).not.toBe(managed.sshHostCertificate);
    expect(opensslVerify(renewed.body.relayPkiServerCaCertificate, renewed.body.tlsCertificate, 'sslserver').ok).toBe(true);
    const again = await server.post('/api/v1/relays/enroll', { name: 'managed', sshHostPublicKey: next.sshPublicKey, csr: next.csr, clientTlsAddress: '127.0.0.2:9443' }, RELAY_TOKEN);
    expect(again.body).toMatchObject({ relayId: managed.relayId, clientTlsAddress: '127.0.0.2:9443' });
  });
});
