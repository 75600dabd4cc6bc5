import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors.ts';
import { createCertificateAuthority } from './ca.ts';
import { CLOCK_SKEW_MS } from './certificate-builder.ts';
import {
  issueGatewayServerCert, issuePlatformClientCert, issueRelayClientCert, issueRelayServerCert, issueSessionClientCert,
} from './issue.ts';
import { makeOrgPki, makeRequester, opensslVerify } from './openssl.test-support.ts';
import { readGatewayId, readOrgId, readSessionParameters } from './peer-identity.ts';
import { readCertificate } from './read-certificate.ts';
import { verifyCertificate } from './verify.ts';

const now = new Date('2026-11-23T10:00:00Z');
const hour = 3600_000;
const org = makeOrgPki('org-a', new Date(now.getTime() - hour));

describe('leaf issuance', () => {
  it('relay server cert: DNS and IP SANs, serverAuth only, verified by openssl', () => {
    const cert = issueRelayServerCert(org.relayServerCa, { csr: makeRequester().csr, dnsNames: ['relay.example.com'], ipAddresses: ['127.0.0.1', '::1'] });
    expect(opensslVerify(org.relayServerCa.certificatePem, cert.pem, 'sslserver')).toMatchObject({ ok: true });
    expect(opensslVerify(org.relayServerCa.certificatePem, cert.pem, 'sslclient').ok).toBe(false);
    const x509 = new X509Certificate(cert.pem);
    expect(x509.checkHost('relay.example.com')).toBe('relay.example.com');
    expect(x509.checkIP('::1')).toBe('::1');
    expect(readCertificate(cert.pem).parameters).toEqual({ role: 'relay-server', orgId: 'org-a' });
  });

  it('relay client cert: carries the org and the actor, clientAuth only', () => {
    const cert = issueRelayClientCert(org.relayClientCa, { csr: makeRequester().csr, orgId: 'org-a', actorId: 'user-1', notAfter: new Date(Date.now() + hour) });
    expect(opensslVerify(org.relayClientCa.certificatePem, cert.pem, 'sslclient')).toMatchObject({ ok: true });
    expect(opensslVerify(org.relayClientCa.certificatePem, cert.pem, 'sslserver').ok).toBe(false);
    expect(readOrgId(cert.pem)).toBe('org-a');
    expect(readCertificate(cert.der).parameters).toEqual({ role: 'relay-client', orgId: 'org-a', actorId: 'user-1' });
  });

  it('gateway server cert: URI SAN urn:postern:gateway:<id>, no DNS name', () => {
    const cert = issueGatewayServerCert(org.gatewayServerCa, { csr: makeRequester().csr, gatewayId: 'gw-7' });
    expect(opensslVerify(org.gatewayServerCa.certificatePem, cert.pem, 'sslserver')).toMatchObject({ ok: true });
    const info = readCertificate(cert.pem);
    expect(info.uris).toEqual(['urn:postern:gateway:gw-7']);
    expect(info.dnsNames).toEqual([]);
    expect(readGatewayId(cert.pem)).toBe('gw-7');
  });

  it('session client cert: session parameters, not-after = session end', () => {
    const sessionEndsAt = new Date(Date.now() + 2 * hour);
    const cert = issueSessionClientCert(org.gatewayClientCa, {
      csr: makeRequester().csr, sessionId: 'ses-1', gatewayId: 'gw-7', resourceId: 'res-1', accountId: 'acct-1', actorId: 'user-1', sessionEndsAt,
    });
    expect(opensslVerify(org.gatewayClientCa.certificatePem, cert.pem, 'sslclient')).toMatchObject({ ok: true });
    expect(opensslVerify(org.gatewayClientCa.certificatePem, cert.pem, 'sslserver').ok).toBe(false);
    expect(readSessionParameters(cert.pem)).toEqual({
      orgId: 'org-a', gatewayId: 'gw-7', sessionId: 'ses-1', resourceId: 'res-1', accountId: 'acct-1', actorId: 'user-1',
      notAfter: new Date(Math.floor(sessionEndsAt.getTime() / 1000) * 1000),
    });
  });

  it('platform client cert: same CA as sessions, its own role', () => {
    const cert = issuePlatformClientCert(org.gatewayClientCa, { csr: makeRequester().csr, notAfter: new Date(Date.now() + hour) });
    expect(opensslVerify(org.gatewayClientCa.certificatePem, cert.pem, 'sslclient')).toMatchObject({ ok: true });
    expect(readCertificate(cert.pem).parameters).toEqual({ role: 'platform-client', orgId: 'org-a' });
    expect(() => readSessionParameters(cert.pem)).toThrow(/session-client/);
    const info = verifyCertificate({ certificate: cert.pem, trustedCas: [org.gatewayClientCa.certificatePem], usage: 'clientAuth', roles: ['session-client', 'platform-client'], orgId: 'org-a' });
    expect(info.parameters.role).toBe('platform-client');
  });

  it('backdates notBefore for clock skew and bounds notAfter by the CA', () => {
    const caNow = new Date('2026-01-01T00:00:00Z');
    const { authority: shortCa } = createCertificateAuthority({ kind: 'gateway-client', orgId: 'org-a', now: caNow, lifetimeMs: 10 * hour });
    const issuedAt = new Date(caNow.getTime() + hour);
    const cert = issueSessionClientCert(shortCa, {
      csr: makeRequester().csr, sessionId: 's', gatewayId: 'g', resourceId: 'r', accountId: 'a', now: issuedAt, sessionEndsAt: new Date(caNow.getTime() + 100 * hour),
    });
    expect(cert.notBefore.getTime()).toBe(issuedAt.getTime() - CLOCK_SKEW_MS);
    expect(cert.notAfter.getTime()).toBe(shortCa.notAfter.getTime());
    // Issued right at the CA's start, the backdating stops at the CA's own notBefore.
    const early = issuePlatformClientCert(shortCa, { csr: makeRequester().csr, now: caNow, notAfter: new Date(caNow.getTime() + hour) });
    expect(early.notBefore.getTime()).toBe(shortCa.notBefore.getTime());
    // A session that already ended cannot get a certificate.
    expect(() => issuePlatformClientCert(shortCa, { csr: makeRequester().csr, now: issuedAt, notAfter: new Date(issuedAt.getTime() - 2 * CLOCK_SKEW_MS) })).toThrow(ValidationError);
  });

  it('refuses a CA of the wrong kind or org, bad ids and empty SANs', () => {
    const csr = makeRequester().csr;
    expect(() => issueGatewayServerCert(org.gatewayClientCa, { csr, gatewayId: 'gw' })).toThrow(/gateway-server CA/);
    expect(() => issueRelayClientCert(org.relayClientCa, { csr, orgId: 'org-b', notAfter: new Date(Date.now() + hour) })).toThrow(/cannot sign for org org-b/);
    expect(() => issueGatewayServerCert(org.gatewayServerCa, { csr, gatewayId: 'gw/../x' })).toThrow(/not a valid id/);
    expect(() => issueRelayServerCert(org.relayServerCa, { csr })).toThrow(/at least one DNS name/);
    expect(() => issueRelayServerCert(org.relayServerCa, { csr, dnsNames: ['bad name'] })).toThrow(/not a DNS name/);
    expect(() => issueRelayServerCert(org.relayServerCa, { csr, ipAddresses: ['300.1.1.1'] })).toThrow(/not an IPv4/);
  });

  it('instance-level relay CAs sign for any org named in the request', () => {
    const { authority: instanceCa } = createCertificateAuthority({ kind: 'relay-client' });
    expect(instanceCa.orgId).toBeUndefined();
    const cert = issueRelayClientCert(instanceCa, { csr: makeRequester().csr, orgId: 'org-z', notAfter: new Date(Date.now() + hour) });
    expect(readOrgId(cert.pem)).toBe('org-z');
    expect(opensslVerify(instanceCa.certificatePem, cert.pem, 'sslclient')).toMatchObject({ ok: true });
  });
});
