/**
 * Unit checks of our ssh2 patch (patches/ssh2+1.17.0.patch) through ssh2's public API, plus an
 * ECDSA certificate login to the real sshd (the signature conversion path ed25519 does not use).
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, utils } from 'ssh2';
import { formatCertificateLine, signSshCertificate } from '@postern/shared/ssh/certificate';
import { formatPublicKeyLine, generateEd25519KeyPair } from '@postern/shared/ssh/keys';
import { encodeOpenSshPrivateKey } from '@postern/shared/ssh/private-key';
import { ssh2Run } from '../fixtures/ssh-client.ts';
import { startSshd, type RunningSshd } from '../fixtures/sshd.ts';

const ca = generateEd25519KeyPair();

function userCert(publicKey: Parameters<typeof signSshCertificate>[0]['publicKey'], principals = ['postern-test']) {
  return signSshCertificate({
    certType: 'user', publicKey, caPrivateKey: ca.privateKey, serial: 3n, keyId: 'patch-test', principals,
    validAfter: new Date(Date.now() - 60_000), validBefore: new Date(Date.now() + 600_000),
  });
}

describe('ssh2 utils.parseKey with OpenSSH certificates', () => {
  it.each([
    ['ed25519', () => generateKeyPairSync('ed25519'), null],
    ['ecdsa P-256', () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' }), 'sha256'],
  ])('reads the %s key inside the certificate, not its nonce, and keeps the certificate as the public blob', (_name, makePair, hash) => {
    const pair = makePair();
    const cert = userCert(pair.publicKey);
    for (const input of [formatCertificateLine(cert, 'c'), cert.blob]) {
      const parsed = utils.parseKey(input);
      if (parsed instanceof Error) throw parsed;
      expect(parsed.type).toBe(cert.certKeyType);
      expect(parsed.getPublicSSH()).toEqual(cert.blob);
      const data = Buffer.from('exchange hash');
      expect(parsed.verify(data, sign(hash, data, pair.privateKey))).toBe(true);
    }
  });

  it('refuses a certificate that belongs to a different key', async () => {
    const cert = userCert(generateEd25519KeyPair().publicKey);
    const other = encodeOpenSshPrivateKey(generateEd25519KeyPair().privateKey);
    expect(() => new Client().connect({ host: '127.0.0.1', port: 1, username: 'x', privateKey: other, certificate: formatCertificateLine(cert) } as never))
      .toThrow(/Certificate does not match the private key/);
  });
});

describe('ssh2 Client with an ECDSA certificate', () => {
  let sshd: RunningSshd;
  beforeAll(async () => {
    sshd = await startSshd({ trustedUserCaKeys: [formatPublicKeyLine(ca.publicKey)] });
  });
  afterAll(() => sshd?.close());

  it('logs in to the real sshd', async () => {
    const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const privateKey = pair.privateKey.export({ format: 'pem', type: 'sec1' }).toString();
    const certificate = formatCertificateLine(userCert(pair.publicKey));
    await ssh2Run({ host: sshd.host, port: sshd.port, username: sshd.user, privateKey, certificate } as never);
    await sshd.waitForLog(/Accepted publickey for postern-test .* ECDSA-CERT .* ID patch-test/);
  });
});
