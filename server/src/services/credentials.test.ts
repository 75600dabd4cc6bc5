import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidPrivateKeyError, prepareCredential } from './credentials.ts';

function sshKeygen(type: 'ed25519' | 'rsa' | 'ecdsa', passphrase = ''): { privateKey: string; fingerprint: string; publicKey: string } {
  const dir = mkdtempSync(join(tmpdir(), 'postern-key-'));
  const path = join(dir, 'id');
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', passphrase, '-C', 'test', '-f', path]);
  const fingerprint = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${path}.pub`], { encoding: 'utf8' }).split(' ')[1]!;
  const publicKey = readFileSync(`${path}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
  return { privateKey: readFileSync(path, 'utf8'), fingerprint, publicKey };
}

describe('prepareCredential', () => {
  it.each(['ed25519', 'rsa', 'ecdsa'] as const)('derives the public key and the ssh-keygen fingerprint of a %s key', (type) => {
    const key = sshKeygen(type);
    const prepared = prepareCredential({ type: 'ssh-key', username: 'deploy', privateKey: key.privateKey });
    expect(prepared.publicKeyFingerprint).toBe(key.fingerprint);
    expect(prepared.publicKey).toBe(key.publicKey);
    expect(prepared.secret).toEqual({ privateKey: key.privateKey });
  });

  it('needs the passphrase of an encrypted key and keeps it with the key', () => {
    const key = sshKeygen('ed25519', 'correct horse');
    expect(() => prepareCredential({ type: 'ssh-key', username: 'u', privateKey: key.privateKey })).toThrow(InvalidPrivateKeyError);
    expect(() => prepareCredential({ type: 'ssh-key', username: 'u', privateKey: key.privateKey, passphrase: 'wrong' })).toThrow(/could not be read/);
    const ok = prepareCredential({ type: 'ssh-key', username: 'u', privateKey: key.privateKey, passphrase: 'correct horse' });
    expect(ok.secret).toEqual({ privateKey: key.privateKey, passphrase: 'correct horse' });
  });

  it('refuses garbage and public keys with a 422 that names the field', () => {
    const garbage = '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n';
    try {
      prepareCredential({ type: 'ssh-key', username: 'u', privateKey: garbage });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidPrivateKeyError);
      expect((err as InvalidPrivateKeyError).status).toBe(422);
      expect((err as InvalidPrivateKeyError).details).toEqual({ field: 'credential.privateKey' });
    }
  });

  it('stores nothing secret for certificate accounts', () => {
    expect(prepareCredential({ type: 'ssh-certificate', username: 'root' })).toEqual({ username: 'root', secret: null, publicKey: null, publicKeyFingerprint: null });
  });
});
