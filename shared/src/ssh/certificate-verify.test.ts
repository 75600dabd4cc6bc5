import { describe, expect, it } from 'vitest';
import {
  SshCertificateBadSignatureError, SshCertificateExpiredError, SshCertificateMalformedError, SshCertificateNotYetValidError,
  SshCertificateWrongCaError, SshCertificateWrongPrincipalError, SshCertificateWrongTypeError,
} from '../errors.ts';
import { formatCertificateLine, signSshCertificate, type SshCertificateRequest } from './certificate.ts';
import { verifySshCertificate, type SshCertificateExpectations } from './certificate-verify.ts';
import { formatPublicKeyLine, generateEd25519KeyPair } from './keys.ts';

const ca = generateEd25519KeyPair();
const otherCa = generateEd25519KeyPair();
const subject = generateEd25519KeyPair();
const start = new Date('2026-03-01T10:00:00Z');
const end = new Date('2026-03-01T11:00:00Z');
const request: SshCertificateRequest = {
  certType: 'user', publicKey: subject.publicKey, caPrivateKey: ca.privateKey, serial: 7n,
  keyId: 'org:acme', principals: ['gw-1'], validAfter: start, validBefore: end,
};
const expected: SshCertificateExpectations = { caPublicKey: ca.publicKey, certType: 'user', principal: 'gw-1', now: new Date('2026-03-01T10:30:00Z') };

describe('verifySshCertificate', () => {
  it('accepts a good certificate given as object, blob or line, with the CA as KeyObject, blob or line', () => {
    const cert = signSshCertificate(request);
    const caLine = formatPublicKeyLine(ca.publicKey);
    expect(verifySshCertificate(cert, expected).keyId).toBe('org:acme');
    expect(verifySshCertificate(cert.blob, { ...expected, caPublicKey: caLine }).serial).toBe(7n);
    expect(verifySshCertificate(formatCertificateLine(cert), { ...expected, caPublicKey: cert.signatureKey.blob }).principals).toEqual(['gw-1']);
  });

  it('signs a subject given as an authorized_keys line', () => {
    const cert = signSshCertificate({ ...request, publicKey: formatPublicKeyLine(subject.publicKey, 'gateway key') });
    expect(verifySshCertificate(cert, expected).publicKey.keyObject.equals(subject.publicKey)).toBe(true);
  });

  it('uses OpenSSH validity bounds: valid from validAfter, invalid from validBefore', () => {
    const cert = signSshCertificate(request);
    expect(() => verifySshCertificate(cert, { ...expected, now: start })).not.toThrow();
    expect(() => verifySshCertificate(cert, { ...expected, now: new Date(start.getTime() - 1000) })).toThrow(SshCertificateNotYetValidError);
    expect(() => verifySshCertificate(cert, { ...expected, now: end })).toThrow(SshCertificateExpiredError);
  });

  it('names each refusal with its own error class and code', () => {
    const cert = signSshCertificate(request);
    const cases: Array<[() => unknown, new (...args: never[]) => Error, string]> = [
      [() => verifySshCertificate(cert, { ...expected, caPublicKey: otherCa.publicKey }), SshCertificateWrongCaError, 'ssh_cert_wrong_ca'],
      [() => verifySshCertificate(cert, { ...expected, certType: 'host' }), SshCertificateWrongTypeError, 'ssh_cert_wrong_type'],
      [() => verifySshCertificate(cert, { ...expected, principal: 'gw-2' }), SshCertificateWrongPrincipalError, 'ssh_cert_wrong_principal'],
      [() => verifySshCertificate(cert, { ...expected, now: new Date('2027-01-01T00:00:00Z') }), SshCertificateExpiredError, 'ssh_cert_expired'],
      [() => verifySshCertificate(cert, { ...expected, now: new Date('2025-01-01T00:00:00Z') }), SshCertificateNotYetValidError, 'ssh_cert_not_yet_valid'],
      [() => verifySshCertificate(cert.blob.subarray(0, 40), expected), SshCertificateMalformedError, 'ssh_cert_malformed'],
    ];
    for (const [attempt, errorClass, code] of cases) {
      expect(attempt).toThrow(errorClass);
      expect(attempt).toThrow(expect.objectContaining({ code }));
    }
  });

  it('detects a certificate altered after signing (bad signature)', () => {
    const cert = signSshCertificate(request);
    const tampered = Buffer.from(cert.blob);
    // Rewrite principal "gw-1" to "gw-2": still well-formed, so only the signature can catch it.
    const at = tampered.indexOf(Buffer.from('gw-1'));
    tampered[at + 3] = '2'.charCodeAt(0);
    expect(() => verifySshCertificate(tampered, { ...expected, principal: 'gw-2' })).toThrow(SshCertificateBadSignatureError);
  });

  it('refuses a critical option it does not understand, as PROTOCOL.certkeys requires', () => {
    const cert = signSshCertificate({ ...request, criticalOptions: { 'no-such-option@example.com': 'x' } });
    expect(() => verifySshCertificate(cert, expected)).toThrow(/critical option/);
    const known = signSshCertificate({ ...request, criticalOptions: { 'force-command': 'true', 'source-address': '127.0.0.1/32' } });
    expect(verifySshCertificate(known, { ...expected, clientAddress: '127.0.0.1' }).criticalOptions['force-command']).toBe('true');
  });
});
