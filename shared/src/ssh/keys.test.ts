import { createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scratchDir, sshKeygen } from '../../../test/fixtures/ssh-keygen.ts';
import { SshKeyError, SshWireError } from '../errors.ts';
import {
  fingerprintSha256, formatPublicKeyLine, generateEd25519KeyPair, parsePublicKeyBlob, parsePublicKeyLine, publicKeyBlobFromKeyObject,
} from './keys.ts';
import { encodeOpenSshPrivateKey, parseOpenSshPrivateKey } from './private-key.ts';
import { signSsh, verifySshSignature } from './signature.ts';

const dir = scratchDir();
afterAll(() => dir.remove());

let keyCount = 0;
function keygen(type: string, bits?: number): { privatePath: string; publicLine: string } {
  const privatePath = join(dir.path, `${type}-${bits ?? 0}-${keyCount++}`);
  sshKeygen(['-q', '-t', type, ...(bits ? ['-b', String(bits)] : []), '-N', '', '-C', `${type}@test`, '-f', privatePath]);
  return { privatePath, publicLine: readFileSync(`${privatePath}.pub`, 'utf8').trim() };
}

describe('OpenSSH public keys', () => {
  it.each([['ed25519', undefined], ['ecdsa', 256], ['ecdsa', 384], ['ecdsa', 521], ['rsa', 2048]] as const)(
    'parses an ssh-keygen %s %s key line and fingerprints it as ssh-keygen does', (type, bits) => {
      const { privatePath, publicLine } = keygen(type, bits);
      const parsed = parsePublicKeyLine(publicLine);
      expect(parsed.comment).toBe(`${type}@test`);
      expect(formatPublicKeyLine(parsed.keyObject, parsed.comment)).toBe(publicLine);
      const keygenFingerprint = sshKeygen(['-l', '-E', 'sha256', '-f', `${privatePath}.pub`]).split(' ')[1];
      expect(fingerprintSha256(parsed.keyObject)).toBe(keygenFingerprint);
    });

  it('keeps ed25519 key material intact through KeyObject → blob → KeyObject', () => {
    const { privateKey, publicKey } = generateEd25519KeyPair();
    const parsed = parsePublicKeyLine(formatPublicKeyLine(publicKey, 'me'));
    const message = Buffer.from('postern');
    expect(verify(null, message, parsed.keyObject, sign(null, message, privateKey))).toBe(true);
    expect(publicKeyBlobFromKeyObject(privateKey)).toEqual(parsed.blob);
  });

  it('survives mutated and truncated key blobs with typed errors only', () => {
    const blobs = [
      publicKeyBlobFromKeyObject(generateEd25519KeyPair().publicKey),
      publicKeyBlobFromKeyObject(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey),
      publicKeyBlobFromKeyObject(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey),
    ];
    let refused = 0;
    for (let i = 0; i < 1500; i++) {
      const blob = Buffer.from(blobs[i % blobs.length]!);
      const at = (i * 7919) % blob.length;
      blob[at] = blob[at]! ^ (1 + (i % 255));
      for (const input of [blob, blob.subarray(0, at)]) {
        try {
          parsePublicKeyBlob(input);
        } catch (error) {
          expect([SshKeyError, SshWireError].some((type) => error instanceof type)).toBe(true);
          refused++;
        }
      }
    }
    expect(refused).toBeGreaterThan(1500);
  });

  it('refuses lines whose declared type disagrees with the blob, and garbage', () => {
    const line = formatPublicKeyLine(generateEd25519KeyPair().publicKey);
    expect(() => parsePublicKeyLine(line.replace('ssh-ed25519', 'ssh-rsa'))).toThrow(SshKeyError);
    expect(() => parsePublicKeyLine('ssh-ed25519 AAAA')).toThrow(SshKeyError);
    expect(() => parsePublicKeyLine('hello')).toThrow(SshKeyError);
  });
});

describe('OpenSSH private key format (ed25519)', () => {
  it('writes a file ssh-keygen reads back to the same public key', () => {
    const { privateKey, publicKey } = generateEd25519KeyPair();
    const path = dir.write('ours', encodeOpenSshPrivateKey(privateKey, 'ours@postern'));
    const derived = sshKeygen(['-y', '-f', path]).trim();
    expect(derived).toBe(formatPublicKeyLine(publicKey, 'ours@postern'));
  });

  it('reads a file ssh-keygen wrote', () => {
    const { privatePath, publicLine } = keygen('ed25519');
    const parsed = parseOpenSshPrivateKey(readFileSync(privatePath, 'utf8'));
    expect(formatPublicKeyLine(parsed.publicKey, parsed.comment)).toBe(publicLine);
    expect(createPublicKey(parsed.privateKey).equals(parsed.publicKey)).toBe(true);
  });

  it('refuses encrypted, non-ed25519 and corrupted files with a reason', () => {
    const encrypted = join(dir.path, 'encrypted');
    sshKeygen(['-q', '-t', 'ed25519', '-N', 'secret-pass', '-f', encrypted]);
    expect(() => parseOpenSshPrivateKey(readFileSync(encrypted, 'utf8'))).toThrow(/encrypted/);
    const { privatePath } = keygen('ecdsa', 256);
    expect(() => parseOpenSshPrivateKey(readFileSync(privatePath, 'utf8'))).toThrow(/Only ssh-ed25519/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    expect(() => encodeOpenSshPrivateKey(rsa)).toThrow(SshKeyError);
    const good = encodeOpenSshPrivateKey(generateEd25519KeyPair().privateKey);
    const lines = good.split('\n');
    lines[3] = lines[3]!.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'));
    expect(() => parseOpenSshPrivateKey(lines.join('\n'))).toThrow(SshKeyError);
  });
});

describe('SSH signatures', () => {
  it.each([
    ['ed25519', () => generateKeyPairSync('ed25519')],
    ['ecdsa p256', () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' })],
    ['ecdsa p521', () => generateKeyPairSync('ec', { namedCurve: 'secp521r1' })],
    ['rsa', () => generateKeyPairSync('rsa', { modulusLength: 2048 })],
  ])('signs and verifies with %s, and rejects a changed message', (_name, makePair) => {
    const { privateKey, publicKey } = makePair();
    const data = Buffer.from('exchange hash');
    const signature = signSsh(privateKey, data);
    expect(verifySshSignature(publicKey, data, signature)).toBe(true);
    expect(verifySshSignature(publicKey, Buffer.from('exchange hasH'), signature)).toBe(false);
  });
});
