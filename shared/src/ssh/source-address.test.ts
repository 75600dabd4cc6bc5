import { describe, expect, it } from 'vitest';
import { SshCertificateMalformedError, SshCertificateWrongSourceAddressError } from '../errors.ts';
import { signSshCertificate } from './certificate.ts';
import { verifySshCertificate } from './certificate-verify.ts';
import { generateEd25519KeyPair } from './keys.ts';
import { parseIpAddress, sourceAddressAllows } from './source-address.ts';

describe('source-address matching', () => {
  it.each([
    ['10.0.0.0/8', '10.200.3.4', true],
    ['10.0.0.0/8', '11.0.0.1', false],
    ['192.0.2.7', '192.0.2.7', true],
    ['192.0.2.7', '192.0.2.8', false],
    ['0.0.0.0/0', '203.0.113.9', true],
    ['127.0.0.1/32,2001:db8::/32', '2001:db8:ffff::1', true],
    ['2001:db8::/32', '2001:db9::1', false],
    ['10.0.0.0/8', '::ffff:10.1.2.3', true],
    ['::1', '::1', true],
    ['10.0.0.0/8', '::1', false],
    ['fe80::/10', 'not-an-ip', false],
  ])('%s allows %s: %s', (list, address, expected) => {
    expect(sourceAddressAllows(list, address)).toBe(expected);
  });

  it('parses IPv6 forms and refuses malformed ones', () => {
    expect(parseIpAddress('::')?.value).toBe(0n);
    expect(parseIpAddress('1:2:3:4:5:6:7:8')?.value).toBe(0x00010002000300040005000600070008n);
    expect(parseIpAddress('::ffff:1.2.3.4')).toEqual({ bits: 32, value: 0x01020304n });
    for (const bad of ['1:2:3:4:5:6:7:8:9', '1::2::3', '12345::', '256.1.1.1', '1.2.3', '']) expect(parseIpAddress(bad)).toBeNull();
  });

  it('refuses a malformed list even when an earlier entry matches', () => {
    expect(() => sourceAddressAllows('127.0.0.1,nonsense', '127.0.0.1')).toThrow(SshCertificateMalformedError);
    expect(() => sourceAddressAllows('10.0.0.0/33', '10.0.0.1')).toThrow(/prefix length/);
  });
});

describe('verifySshCertificate with source-address', () => {
  const ca = generateEd25519KeyPair();
  const cert = signSshCertificate({
    certType: 'user', publicKey: generateEd25519KeyPair().publicKey, caPrivateKey: ca.privateKey, serial: 1n, keyId: 'k',
    principals: ['gw-1'], validAfter: new Date(0), validBefore: 'forever', criticalOptions: { 'source-address': '10.0.0.0/8' },
  });
  const expected = { caPublicKey: ca.publicKey, certType: 'user' as const, principal: 'gw-1', now: new Date() };

  it('accepts a client inside the list and refuses one outside it or of unknown address', () => {
    expect(verifySshCertificate(cert, { ...expected, clientAddress: '10.9.8.7' }).keyId).toBe('k');
    expect(() => verifySshCertificate(cert, { ...expected, clientAddress: '192.168.1.1' })).toThrow(SshCertificateWrongSourceAddressError);
    expect(() => verifySshCertificate(cert, expected)).toThrow(/client address is unknown/);
  });
});
