import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scratchDir, sshKeygen } from '../../../test/fixtures/ssh-keygen.ts';
import { SshCertificateMalformedError } from '../errors.ts';
import { formatCertificateLine, parseSshCertificate, signSshCertificate, type SshCertificateRequest } from './certificate.ts';
import { fingerprintSha256, formatPublicKeyLine, generateEd25519KeyPair } from './keys.ts';
import { encodeOpenSshPrivateKey } from './private-key.ts';

const dir = scratchDir();
afterAll(() => dir.remove());

/** `ssh-keygen -L` output as label → lines, so each field can be compared on its own. */
function keygenList(certLine: string): Map<string, string[]> {
  const path = dir.write(`c${Math.random().toString(36).slice(2)}-cert.pub`, `${certLine}\n`);
  const output = execKeygenUtc(['-L', '-f', path]);
  const fields = new Map<string, string[]>();
  let current = '';
  for (const line of output.split('\n').slice(1)) {
    const field = /^ {8}([A-Za-z ]+): ?(.*)$/.exec(line);
    if (field) {
      current = field[1]!;
      fields.set(current, field[2]!.trim() ? [field[2]!.trim()] : []);
    } else if (line.trim()) {
      fields.get(current)!.push(line.trim());
    }
  }
  return fields;
}

function execKeygenUtc(args: string[]): string {
  const previous = process.env.TZ;
  process.env.TZ = 'UTC';
  try {
    return sshKeygen(args);
  } finally {
    process.env.TZ = previous;
  }
}

const ca = generateEd25519KeyPair();
const subject = generateEd25519KeyPair();
const baseRequest: SshCertificateRequest = {
  certType: 'user',
  publicKey: subject.publicKey,
  caPrivateKey: ca.privateKey,
  serial: 1234567890123n,
  keyId: 'org:acme gateway:gw-1',
  principals: ['gw-1', 'root'],
  validAfter: new Date('2026-01-02T03:04:05Z'),
  validBefore: new Date('2026-01-02T04:04:05Z'),
};

describe('OpenSSH certificates checked by ssh-keygen -L', () => {
  it('shows every field of a user certificate as we set it', () => {
    const cert = signSshCertificate({
      ...baseRequest,
      criticalOptions: { 'source-address': '127.0.0.1/32,10.0.0.0/8', 'force-command': 'uptime' },
      extensions: { 'permit-pty': '', 'permit-port-forwarding': '' },
    });
    const fields = keygenList(formatCertificateLine(cert, 'ours'));
    expect(fields.get('Type')).toEqual(['ssh-ed25519-cert-v01@openssh.com user certificate']);
    expect(fields.get('Public key')).toEqual([`ED25519-CERT ${fingerprintSha256(subject.publicKey)}`]);
    expect(fields.get('Signing CA')).toEqual([`ED25519 ${fingerprintSha256(ca.publicKey)} (using ssh-ed25519)`]);
    expect(fields.get('Key ID')).toEqual(['"org:acme gateway:gw-1"']);
    expect(fields.get('Serial')).toEqual(['1234567890123']);
    expect(fields.get('Valid')).toEqual(['from 2026-01-02T03:04:05 to 2026-01-02T04:04:05']);
    expect(fields.get('Principals')).toEqual(['gw-1', 'root']);
    expect(fields.get('Critical Options')).toEqual(['force-command uptime', 'source-address 127.0.0.1/32,10.0.0.0/8']);
    expect(fields.get('Extensions')).toEqual(['permit-port-forwarding', 'permit-pty']);
  });

  it('shows a host certificate with ssh-keygen defaults (no options, no extensions)', () => {
    const cert = signSshCertificate({ ...baseRequest, certType: 'host', principals: ['relay.example'], validBefore: 'forever' });
    const fields = keygenList(formatCertificateLine(cert));
    expect(fields.get('Type')).toEqual(['ssh-ed25519-cert-v01@openssh.com host certificate']);
    expect(fields.get('Valid')).toEqual(['after 2026-01-02T03:04:05']);
    expect(fields.get('Critical Options')).toEqual(['(none)']);
    expect(fields.get('Extensions')).toEqual(['(none)']);
  });

  it.each([
    ['ecdsa P-256 subject, RSA CA', generateKeyPairSync('ec', { namedCurve: 'prime256v1' }), generateKeyPairSync('rsa', { modulusLength: 2048 })],
    ['RSA subject, ecdsa P-384 CA', generateKeyPairSync('rsa', { modulusLength: 2048 }), generateKeyPairSync('ec', { namedCurve: 'secp384r1' })],
  ])('signs %s so ssh-keygen accepts it', (_name, subjectPair, caPair) => {
    const cert = signSshCertificate({ ...baseRequest, publicKey: subjectPair.publicKey, caPrivateKey: caPair.privateKey });
    const fields = keygenList(formatCertificateLine(cert));
    expect(fields.get('Signing CA')?.[0]).toContain(fingerprintSha256(caPair.publicKey));
    expect(fields.get('Public key')?.[0]).toContain(fingerprintSha256(subjectPair.publicKey));
  });
});

describe('parsing certificates ssh-keygen signed', () => {
  it('reads every field of an ssh-keygen user certificate', () => {
    const caPath = dir.write('ca', encodeOpenSshPrivateKey(ca.privateKey));
    const subjectPath = dir.write('subject.pub', `${formatPublicKeyLine(subject.publicKey)}\n`);
    sshKeygen(['-q', '-s', caPath, '-I', 'key id', '-n', 'alice,bob', '-z', '99', '-V', '20260101000000Z:20260201000000Z',
      '-O', 'clear', '-O', 'permit-pty', '-O', 'force-command=/bin/true', subjectPath]);
    const cert = parseSshCertificate(readFileSync(join(dir.path, 'subject-cert.pub'), 'utf8'));
    expect(cert.certKeyType).toBe('ssh-ed25519-cert-v01@openssh.com');
    expect(cert.publicKey.keyObject.equals(subject.publicKey)).toBe(true);
    expect(cert.signatureKey.keyObject.equals(ca.publicKey)).toBe(true);
    expect(cert).toMatchObject({
      serial: 99n, certType: 'user', keyId: 'key id', principals: ['alice', 'bob'],
      validAfter: BigInt(Date.parse('2026-01-01T00:00:00Z') / 1000), validBefore: BigInt(Date.parse('2026-02-01T00:00:00Z') / 1000),
      criticalOptions: { 'force-command': '/bin/true' }, extensions: { 'permit-pty': '' },
    });
  });

  it('refuses truncated, padded and random certificates with SshCertificateMalformedError', () => {
    const blob = signSshCertificate(baseRequest).blob;
    for (let cut = 0; cut < blob.length; cut += 7) {
      expect(() => parseSshCertificate(blob.subarray(0, cut))).toThrow(SshCertificateMalformedError);
    }
    expect(() => parseSshCertificate(Buffer.concat([blob, Buffer.of(0)]))).toThrow(SshCertificateMalformedError);
    for (let i = 0; i < 500; i++) {
      const mutated = Buffer.from(blob);
      const at = (i * 31) % mutated.length;
      mutated[at] = mutated[at]! ^ (1 + (i % 255));
      try {
        parseSshCertificate(mutated);
      } catch (error) {
        expect(error).toBeInstanceOf(SshCertificateMalformedError);
      }
    }
    expect(() => parseSshCertificate(formatPublicKeyLine(subject.publicKey))).toThrow(/plain key/);
  });
});
