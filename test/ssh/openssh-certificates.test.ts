/**
 * Our OpenSSH certificates judged by the real sshd (TrustedUserCAKeys) and the real ssh
 * (`@cert-authority` host certificates): accepted when right, refused for each defect.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatCertificateLine, signSshCertificate, type SshCertificateRequest } from '@postern/shared/ssh/certificate';
import { fingerprintSha256, formatPublicKeyLine, generateEd25519KeyPair } from '@postern/shared/ssh/keys';
import { encodeOpenSshPrivateKey } from '@postern/shared/ssh/private-key';
import { runSsh } from '../fixtures/ssh-client.ts';
import { scratchDir } from '../fixtures/ssh-keygen.ts';
import { startSshd, type RunningSshd } from '../fixtures/sshd.ts';

const userCa = generateEd25519KeyPair();
const hostCa = generateEd25519KeyPair();
const otherCa = generateEd25519KeyPair();
const dir = scratchDir();
let sshd: RunningSshd;
let fileCount = 0;
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

beforeAll(async () => {
  sshd = await startSshd({
    trustedUserCaKeys: [formatPublicKeyLine(userCa.publicKey)],
    hostCert: (hostLine) => formatCertificateLine(signSshCertificate({
      certType: 'host', publicKey: hostLine, caPrivateKey: hostCa.privateKey,
      serial: 1n, keyId: 'test-host', principals: ['127.0.0.1'],
      validAfter: new Date(Date.now() - 60_000), validBefore: new Date(Date.now() + 3_600_000),
    })),
  });
});
afterAll(async () => {
  await sshd?.close();
  dir.remove();
});

function userCertRequest(overrides: Partial<SshCertificateRequest> = {}): Omit<SshCertificateRequest, 'publicKey'> {
  return {
    certType: 'user', caPrivateKey: userCa.privateKey, serial: 10n, keyId: 'org:acme session:s-1',
    principals: ['postern-test'], validAfter: new Date(Date.now() - 60_000), validBefore: new Date(Date.now() + 600_000),
    ...overrides,
  };
}

/** Writes a fresh key and its certificate as `id` + `id-cert.pub`, the pair `ssh -i` picks up. */
function identityWithCert(makeCertLine: (publicKey: ReturnType<typeof generateEd25519KeyPair>['publicKey']) => string): string {
  const key = generateEd25519KeyPair();
  const name = `id_${fileCount++}`;
  const path = dir.write(name, encodeOpenSshPrivateKey(key.privateKey));
  dir.write(`${name}-cert.pub`, `${makeCertLine(key.publicKey)}\n`, 0o644);
  return path;
}

function sshWithCert(overrides: Partial<SshCertificateRequest> = {}, tamper?: (blob: Buffer) => void) {
  const identity = identityWithCert((publicKey) => {
    const cert = signSshCertificate({ ...userCertRequest(overrides), publicKey });
    const blob = Buffer.from(cert.blob);
    tamper?.(blob);
    return `${cert.certKeyType} ${blob.toString('base64')}`;
  });
  const knownHosts = dir.write(`known_hosts_${fileCount++}`, `@cert-authority [127.0.0.1]:${sshd.port} ${formatPublicKeyLine(hostCa.publicKey)}\n`);
  return runSsh({ port: sshd.port, user: sshd.user, identity, knownHosts, command: 'echo logged-in-as-$(id -un)' });
}

describe('real OpenSSH accepts our certificates', () => {
  it('sshd logs a user in with our user cert, and ssh trusts our host cert through @cert-authority', async () => {
    const result = await sshWithCert();
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('logged-in-as-postern-test');
    await sshd.waitForLog(new RegExp(`Accepted publickey for postern-test .* ED25519-CERT SHA256:\\S+ ID org:acme session:s-1 \\(serial 10\\) CA ED25519 ${escape(fingerprintSha256(userCa.publicKey))}`));
  });

  it('sshd honours force-command from our certificate', async () => {
    const result = await sshWithCert({ criticalOptions: { 'force-command': 'echo forced' } });
    expect(result.stdout.trim()).toBe('forced');
  });
});

describe('real sshd refuses our certificates when they are wrong', () => {
  it.each([
    ['expired', { validAfter: new Date(Date.now() - 7_200_000), validBefore: new Date(Date.now() - 3_600_000) }, /[Cc]ertificate invalid: expired/],
    ['not yet valid', { validAfter: new Date(Date.now() + 3_600_000), validBefore: new Date(Date.now() + 7_200_000) }, /[Cc]ertificate invalid: not yet valid/],
    ['signed by another CA', { caPrivateKey: otherCa.privateKey }, new RegExp(`Failed publickey .* CA ED25519 ${escape(fingerprintSha256(otherCa.publicKey))}`)],
    ['for another principal', { principals: ['someone-else'] }, /[Cc]ertificate invalid: name is not a listed principal/],
    // ssh itself will not offer a host certificate as a user identity, so sshd never sees it.
    ['a host certificate', { certType: 'host' as const }, null],
  ])('refuses a certificate %s', async (_name, overrides, logPattern) => {
    const since = sshd.logs().length;
    const result = await sshWithCert(overrides);
    expect(result.code).toBe(255);
    expect(result.stderr).toMatch(/Permission denied \(publickey\)/);
    if (logPattern) await sshd.waitForLog(logPattern, { since });
    expect(sshd.logs().slice(since)).not.toMatch(/Accepted publickey/);
  });

  it('refuses a certificate altered after signing', async () => {
    const since = sshd.logs().length;
    const result = await sshWithCert({}, (blob) => {
      // Flip a byte of the key id: still well-formed, only the CA signature no longer matches.
      const at = blob.indexOf(Buffer.from('session:s-1'));
      blob[at] = 'S'.charCodeAt(0);
    });
    expect(result.code).toBe(255);
    expect(result.stderr).toMatch(/Permission denied \(publickey\)/);
    expect(sshd.logs().slice(since)).not.toMatch(/Accepted/);
  });
});

describe('real ssh refuses a host certificate from the wrong CA', () => {
  it('fails host verification when known_hosts trusts another host CA', async () => {
    const identity = identityWithCert((publicKey) => formatCertificateLine(signSshCertificate({ ...userCertRequest(), publicKey })));
    const knownHosts = dir.write(`known_hosts_${fileCount++}`, `@cert-authority [127.0.0.1]:${sshd.port} ${formatPublicKeyLine(otherCa.publicKey)}\n`);
    const result = await runSsh({ port: sshd.port, user: sshd.user, identity, knownHosts, command: 'true' });
    expect(result.code).toBe(255);
    expect(result.stderr).toMatch(/Host key verification failed/);
  });
});
