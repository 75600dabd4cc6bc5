import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { X509BadSignatureError, X509MalformedError } from '../errors.ts';
import { createCertificateSigningRequest, parseCertificateSigningRequest } from './csr.ts';
import { generatePkiKeyPair, spkiDer } from './keys.ts';
import { opensslMakeCompressedPointCsr, opensslMakeCsr, opensslVerifyCsr } from './openssl.test-support.ts';
import { fromPem, toPem } from './pem.ts';

describe('certificate signing requests', () => {
  it('makes a CSR that openssl verifies and that parses back to the same public key', () => {
    const keys = generatePkiKeyPair();
    const csr = createCertificateSigningRequest(keys, 'laptop-of-ada');
    expect(opensslVerifyCsr(csr)).toMatchObject({ ok: true });
    const parsed = parseCertificateSigningRequest(csr);
    expect(spkiDer(parsed.publicKey).equals(spkiDer(keys.publicKey))).toBe(true);
    expect(parsed.commonName).toBe('laptop-of-ada');
    expect(parseCertificateSigningRequest(fromPem(csr, 'CERTIFICATE REQUEST')).commonName).toBe('laptop-of-ada');
  });

  it('accepts a P-256 CSR made by openssl', () => {
    expect(parseCertificateSigningRequest(opensslMakeCsr('prime256v1')).commonName).toBe('openssl-made');
  });

  it('re-encodes a compressed point as an uncompressed SubjectPublicKeyInfo', () => {
    const parsed = parseCertificateSigningRequest(opensslMakeCompressedPointCsr());
    expect(spkiDer(parsed.publicKey).length).toBe(59); // node keeps the compressed form it was given
    expect(parsed.subjectPublicKeyInfoDer.length).toBe(91);
    expect(parsed.subjectPublicKeyInfoDer[26]).toBe(0x04); // after the 26-byte P-256 header
    expect(createPublicKey({ key: parsed.subjectPublicKeyInfoDer, format: 'der', type: 'spki' }).equals(parsed.publicKey)).toBe(true);
  });

  it('refuses keys other than P-256, naming the fix', () => {
    expect(() => parseCertificateSigningRequest(opensslMakeCsr('rsa'))).toThrow(/not ecdsa-with-SHA256/);
    expect(() => parseCertificateSigningRequest(opensslMakeCsr('secp384r1'))).toThrow(/EC secp384r1.*ECDSA P-256/);
    expect(() => createCertificateSigningRequest(generateKeyPairSync('ed25519'), 'x')).toThrow(/ECDSA P-256/);
  });

  it('refuses a CSR whose signature does not match its key (no proof of possession)', () => {
    const der = fromPem(createCertificateSigningRequest(generatePkiKeyPair(), 'victim'), 'CERTIFICATE REQUEST');
    const tampered = Buffer.from(der);
    tampered[tampered.length - 5]! ^= 0x01; // inside the ECDSA signature's s value
    expect(() => parseCertificateSigningRequest(tampered)).toThrow(X509BadSignatureError);
    // The same holds when the signed part (the subject) changes.
    const renamed = Buffer.from(der.toString('latin1').replace('victim', 'attack'), 'latin1');
    expect(() => parseCertificateSigningRequest(toPem(renamed, 'CERTIFICATE REQUEST'))).toThrow(X509BadSignatureError);
  });

  it('refuses garbage, truncation and oversize input with X509MalformedError', () => {
    const der = fromPem(createCertificateSigningRequest(generatePkiKeyPair(), 'x'), 'CERTIFICATE REQUEST');
    for (let cut = 0; cut < der.length; cut += 7) {
      expect(() => parseCertificateSigningRequest(der.subarray(0, cut))).toThrow(X509MalformedError);
    }
    expect(() => parseCertificateSigningRequest('not a csr')).toThrow(/BEGIN CERTIFICATE REQUEST/);
    expect(() => parseCertificateSigningRequest(new Uint8Array(9000))).toThrow(/more than 8192/);
  });
});
