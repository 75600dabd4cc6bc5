import { describe, expect, it } from 'vitest';
import {
  X509BadSignatureError, X509ExpiredError, X509NotYetValidError, X509WrongCaError, X509WrongOrgError, X509WrongUsageError,
} from '../errors.ts';
import { createCertificateAuthority } from './ca.ts';
import { issueGatewayServerCert, issueRelayClientCert, issueSessionClientCert } from './issue.ts';
import { makeOrgPki, makeRequester, opensslVerify } from './openssl.test-support.ts';
import { fromPem, toPem } from './pem.ts';
import { readTrustedCa, verifyCertificate, type VerifyCertificateOptions } from './verify.ts';

const start = new Date('2026-06-01T00:00:00Z');
const hour = 3600_000;
const orgA = makeOrgPki('org-a', start);
const orgB = makeOrgPki('org-b', start);
const issuedAt = new Date(start.getTime() + 24 * hour);
const sessionEnd = new Date(issuedAt.getTime() + hour);
const session = issueSessionClientCert(orgA.gatewayClientCa, {
  csr: makeRequester().csr, sessionId: 'ses-1', gatewayId: 'gw-1', resourceId: 'r', accountId: 'a', now: issuedAt, sessionEndsAt: sessionEnd,
});
const atGateway = (certificate: string, at: Date, extra: Partial<VerifyCertificateOptions> = {}) => verifyCertificate({
  certificate, trustedCas: [orgA.gatewayClientCa.certificatePem], usage: 'clientAuth', roles: ['session-client'], orgId: 'org-a', at, ...extra,
});
const duringSession = new Date(issuedAt.getTime() + 10 * 60_000);

describe('chain verification (ours and openssl agree)', () => {
  it('accepts the session cert during the session', () => {
    expect(atGateway(session.pem, duringSession).parameters.sessionId).toBe('ses-1');
    expect(opensslVerify(orgA.gatewayClientCa.certificatePem, session.pem, 'sslclient', duringSession)).toMatchObject({ ok: true });
  });

  it('refuses it after the session end (expired)', () => {
    const after = new Date(sessionEnd.getTime() + 1000);
    expect(() => atGateway(session.pem, after)).toThrow(X509ExpiredError);
    expect(opensslVerify(orgA.gatewayClientCa.certificatePem, session.pem, 'sslclient', after).output).toMatch(/certificate has expired/);
  });

  it('refuses it before its backdated start (not yet valid)', () => {
    const before = new Date(issuedAt.getTime() - hour);
    expect(() => atGateway(session.pem, before)).toThrow(X509NotYetValidError);
    expect(opensslVerify(orgA.gatewayClientCa.certificatePem, session.pem, 'sslclient', before).output).toMatch(/certificate is not yet valid/);
  });

  it("refuses another org's session cert (signed by org B's CA)", () => {
    const foreign = issueSessionClientCert(orgB.gatewayClientCa, {
      csr: makeRequester().csr, sessionId: 'ses-b', gatewayId: 'gw-1', resourceId: 'r', accountId: 'a', now: issuedAt, sessionEndsAt: sessionEnd,
    });
    expect(() => atGateway(foreign.pem, duringSession)).toThrow(X509WrongCaError);
    expect(opensslVerify(orgA.gatewayClientCa.certificatePem, foreign.pem, 'sslclient', duringSession).output).toMatch(/unable to get local issuer certificate/);
  });

  it('refuses a tampered signature and a tampered body', () => {
    const der = fromPem(session.pem, 'CERTIFICATE');
    const badSignature = Buffer.from(der);
    badSignature[badSignature.length - 3]! ^= 0x01;
    expect(() => atGateway(toPem(badSignature, 'CERTIFICATE'), duringSession)).toThrow(X509BadSignatureError);
    expect(opensslVerify(orgA.gatewayClientCa.certificatePem, toPem(badSignature, 'CERTIFICATE'), 'sslclient', duringSession).output).toMatch(/signature failure/);
    const badBody = Buffer.from(der.toString('latin1').replace('ses-1', 'ses-2'), 'latin1');
    expect(() => atGateway(toPem(badBody, 'CERTIFICATE'), duringSession)).toThrow(X509BadSignatureError);
    expect(opensslVerify(orgA.gatewayClientCa.certificatePem, toPem(badBody, 'CERTIFICATE'), 'sslclient', duringSession).ok).toBe(false);
  });

  it('refuses the wrong usage: a server cert as a client, a relay cert at a gateway', () => {
    const gatewayCert = issueGatewayServerCert(orgA.gatewayServerCa, { csr: makeRequester().csr, gatewayId: 'gw-1', now: issuedAt });
    expect(() => atGateway(gatewayCert.pem, duringSession, { trustedCas: [orgA.gatewayServerCa.certificatePem] })).toThrow(X509WrongUsageError);
    expect(opensslVerify(orgA.gatewayServerCa.certificatePem, gatewayCert.pem, 'sslclient', duringSession).ok).toBe(false);
    const relayClient = issueRelayClientCert(orgA.relayClientCa, { csr: makeRequester().csr, orgId: 'org-a', now: issuedAt, notAfter: sessionEnd });
    expect(() => atGateway(relayClient.pem, duringSession, { trustedCas: [orgA.relayClientCa.certificatePem] })).toThrow(/session-client/);
  });

  it('refuses the wrong org when one instance CA signs for many orgs', () => {
    const { authority: instanceCa } = createCertificateAuthority({ kind: 'relay-client', now: start });
    const cert = issueRelayClientCert(instanceCa, { csr: makeRequester().csr, orgId: 'org-b', now: issuedAt, notAfter: sessionEnd });
    const atRelay = (orgId: string) => verifyCertificate({ certificate: cert.pem, trustedCas: [instanceCa.certificatePem], usage: 'clientAuth', roles: ['relay-client'], orgId, at: duringSession });
    expect(atRelay('org-b').parameters.orgId).toBe('org-b');
    expect(() => atRelay('org-a')).toThrow(X509WrongOrgError);
  });

  it('refuses every leaf once its CA has expired', () => {
    const { authority: shortCa } = createCertificateAuthority({ kind: 'gateway-client', orgId: 'org-a', now: start, lifetimeMs: 48 * hour });
    const cert = issueSessionClientCert(shortCa, {
      csr: makeRequester().csr, sessionId: 's', gatewayId: 'g', resourceId: 'r', accountId: 'a', now: issuedAt, sessionEndsAt: new Date(start.getTime() + 100 * hour),
    });
    const late = new Date(start.getTime() + 49 * hour);
    expect(() => atGateway(cert.pem, late, { trustedCas: [shortCa.certificatePem] })).toThrow(X509ExpiredError);
    expect(opensslVerify(shortCa.certificatePem, cert.pem, 'sslclient', late).ok).toBe(false);
  });

  it('trusts any CA in the set during a rotation', () => {
    const next = createCertificateAuthority({ kind: 'gateway-client', orgId: 'org-a', now: start }).authority;
    const info = atGateway(session.pem, duringSession, { trustedCas: [next.certificatePem, orgA.gatewayClientCa.certificatePem] });
    expect(info.parameters.sessionId).toBe('ses-1');
  });
});

describe('trusted CA parsing is cached per PEM', () => {
  it('the same PEM is parsed once; another CA is its own entry; a wrong CA is still refused after caching', () => {
    const pem = orgA.gatewayClientCa.certificatePem;
    expect(readTrustedCa(pem)).toBe(readTrustedCa(pem));
    expect(readTrustedCa(orgB.gatewayClientCa.certificatePem)).not.toBe(readTrustedCa(pem));
    expect(readTrustedCa(orgB.gatewayClientCa.certificatePem).parameters.orgId).toBe('org-b');
    // Non-PEM inputs are parsed on each call (no identity to key them by).
    const der = fromPem(pem, 'CERTIFICATE');
    expect(readTrustedCa(der)).not.toBe(readTrustedCa(der));
    expect(() => atGateway(session.pem, duringSession, { trustedCas: [orgB.gatewayClientCa.certificatePem], orgId: undefined })).toThrow(X509WrongCaError);
    expect(atGateway(session.pem, duringSession).parameters.sessionId).toBe('ses-1');
  });
});
