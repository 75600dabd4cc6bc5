import { describe, expect, it } from 'vitest';
import { ValidationError, X509MalformedError } from '../errors.ts';
import { createCertificateAuthority, loadCertificateAuthority } from './ca.ts';
import { generatePkiKeyPair, importPrivateKey } from './keys.ts';
import { issuePlatformClientCert } from './issue.ts';
import { makeRequester, opensslVerify, runOpenssl } from './openssl.test-support.ts';

describe('certificate authorities', () => {
  it('creates a self-signed P-256 CA limited to signing leaves for one purpose', () => {
    const { authority } = createCertificateAuthority({ kind: 'gateway-client', orgId: 'org-a' });
    const text = runOpenssl(['x509', '-noout', '-text'], authority.certificatePem).output;
    expect(text).toMatch(/Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    expect(text).toMatch(/Key Usage: critical\s+Certificate Sign, CRL Sign/);
    expect(text).toMatch(/Extended Key Usage:\s+TLS Web Client Authentication/);
    expect(text).toMatch(/ASN1 OID: prime256v1/);
    expect(text).toMatch(/Subject: O = Postern, OU = org org-a, CN = Org Gateway Client CA [0-9a-f]{12}/);
    expect(opensslVerify(authority.certificatePem, authority.certificatePem, 'any')).toMatchObject({ ok: true });
    // A CA key signs certificates, not TLS handshakes: OpenSSL will not take the CA itself as a client.
    expect(opensslVerify(authority.certificatePem, authority.certificatePem, 'sslclient').output).toMatch(/unsuitable certificate purpose/);
    expect(authority).toMatchObject({ kind: 'gateway-client', orgId: 'org-a' });
  });

  it('reloads from stored PEMs and still signs; refuses a key that is not the CA\'s', () => {
    const { authority, privateKeyPem } = createCertificateAuthority({ kind: 'gateway-client', orgId: 'org-a' });
    const reloaded = loadCertificateAuthority(authority.certificatePem, importPrivateKey(privateKeyPem));
    expect(reloaded.keyIdentifier.equals(authority.keyIdentifier)).toBe(true);
    expect(runOpenssl(['x509', '-noout', '-ext', 'subjectKeyIdentifier'], authority.certificatePem).output.replaceAll(':', '').toLowerCase())
      .toContain(authority.keyIdentifier.toString('hex'));
    const leaf = issuePlatformClientCert(reloaded, { csr: makeRequester().csr, notAfter: new Date(Date.now() + 3600_000) });
    expect(opensslVerify(authority.certificatePem, leaf.pem, 'sslclient')).toMatchObject({ ok: true });
    expect(() => loadCertificateAuthority(authority.certificatePem, generatePkiKeyPair().privateKey)).toThrow(/does not match/);
  });

  it('refuses to load a leaf as a CA, and needs an org for org CAs', () => {
    const { authority } = createCertificateAuthority({ kind: 'gateway-client', orgId: 'org-a' });
    const requester = makeRequester();
    const leaf = issuePlatformClientCert(authority, { csr: requester.csr, notAfter: new Date(Date.now() + 3600_000) });
    expect(() => loadCertificateAuthority(leaf.pem, importPrivateKey(requester.keyPem))).toThrow(X509MalformedError);
    expect(() => createCertificateAuthority({ kind: 'gateway-server' })).toThrow(ValidationError);
  });

  it('gives every CA a distinct name, so a leaf names exactly one possible issuer', () => {
    const a = createCertificateAuthority({ kind: 'gateway-server', orgId: 'org-a' }).authority;
    const b = createCertificateAuthority({ kind: 'gateway-server', orgId: 'org-a' }).authority;
    expect(a.certificate.subject).not.toBe(b.certificate.subject);
  });
});
