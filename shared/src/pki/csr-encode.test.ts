import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createCertificateSigningRequest } from './csr-encode.ts';
import { parseCertificateSigningRequest } from './csr.ts';
import { generatePkiKeyPair, spkiDer } from './keys.ts';
import { opensslVerifyCsr } from './openssl.test-support.ts';

describe('CSR written from DER parts', () => {
  it.each([
    ['a short name', 'postern-session ops@web'],
    ['a name over 127 bytes (long-form lengths) with non-ASCII letters', `postern-session ${'ü'.repeat(80)}@${'web-'.repeat(20)}`],
  ])('openssl verifies it and the ASN.1 parser reads back key and name: %s', (_label, commonName) => {
    const keys = generatePkiKeyPair();
    const csr = createCertificateSigningRequest(keys, commonName);
    expect(opensslVerifyCsr(csr)).toMatchObject({ ok: true });
    const parsed = parseCertificateSigningRequest(csr);
    expect(spkiDer(parsed.publicKey).equals(spkiDer(keys.publicKey))).toBe(true);
    expect(parsed.commonName).toBe(commonName);
  });

  it('has the shape openssl describes for a P-256 request: version 0, ecdsa-with-SHA256, no attributes', () => {
    const text = execFileSync('openssl', ['req', '-noout', '-text'], { input: createCertificateSigningRequest(generatePkiKeyPair(), 'shape'), encoding: 'utf8' });
    expect(text).toMatch(/Version: 1 \(0x0\)/);
    expect(text).toMatch(/Signature Algorithm: ecdsa-with-SHA256/);
    expect(text).toMatch(/NIST CURVE: P-256/);
    expect(text).toMatch(/Attributes:\s*\n\s*(\(none\)|a0:00)/);
  });
});
