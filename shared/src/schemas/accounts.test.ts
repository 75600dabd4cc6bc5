import { describe, expect, it } from 'vitest';
import { zCreateAccount, zUpdateAccount } from './accounts.ts';

const resourceId = '0b1c5a52-3f0e-4c5e-9d0a-6f2f6f1e9a10';

describe('account schemas', () => {
  it('accepts each credential type', () => {
    for (const credential of [
      { type: 'ssh-password', username: 'ubuntu', password: 'pw' },
      { type: 'ssh-key', username: 'deploy', privateKey: '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n' },
      { type: 'ssh-certificate', username: 'root' },
      { type: 'kubernetes-token', token: 'eyJhbGciOi.abc.def' },
    ]) {
      expect(zCreateAccount.safeParse({ resourceId, name: 'a', credential }).success).toBe(true);
    }
  });

  it('rejects a credential missing its secret or carrying another type’s fields', () => {
    const bad = [
      { type: 'ssh-password', username: 'ubuntu' },
      { type: 'ssh-key', username: 'u', privateKey: 'not a key' },
      { type: 'ssh-certificate', username: 'root', password: 'x' },
      { type: 'kubernetes-token', token: 'two\nlines' },
      { type: 'ssh-password', username: 'bad user', password: 'x' },
      { type: 'telnet', username: 'u' },
    ];
    for (const credential of bad) expect(zCreateAccount.safeParse({ resourceId, name: 'a', credential }).success, JSON.stringify(credential)).toBe(false);
  });

  it('lets an update leave the credential unchanged', () => {
    expect(zUpdateAccount.parse({ name: 'renamed' })).toEqual({ name: 'renamed' });
  });
});
