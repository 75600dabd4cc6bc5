import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CredentialsStore, posternConfigDir, type StoredCredentials } from './credentials-store.ts';
import { CredentialsFileError } from './errors.ts';

const sample: StoredCredentials = {
  serverUrl: 'https://postern.example.com',
  accessToken: 'pst_at_x', accessTokenExpiresAt: '2030-01-01T00:00:00.000Z',
  refreshToken: 'pst_rt_y', refreshTokenExpiresAt: '2030-02-01T00:00:00.000Z',
  user: { id: '0b1c5a52-3f0e-4c5e-9d0a-6f2f6f1e9a10', email: 'a@example.com' },
};

describe('CredentialsStore', () => {
  let root: string;
  beforeEach(async () => { root = await mkdtemp(join(tmpdir(), 'postern-creds-')); });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('writes the file with mode 0600 in a 0700 folder, even under a permissive umask', async () => {
    const previous = process.umask(0o000);
    try {
      const store = new CredentialsStore(join(root, 'postern'));
      await store.save(sample);
      expect((await stat(store.file)).mode & 0o777).toBe(0o600);
      expect((await stat(store.dir)).mode & 0o777).toBe(0o700);
      await store.save({ ...sample, accessToken: 'pst_at_z' });
      expect((await stat(store.file)).mode & 0o777).toBe(0o600);
      expect(await store.load()).toEqual({ ...sample, accessToken: 'pst_at_z' });
    } finally {
      process.umask(previous);
    }
  });

  it('answers null when nobody signed in, and after clear', async () => {
    const store = new CredentialsStore(join(root, 'postern'));
    expect(await store.load()).toBeNull();
    await store.save(sample);
    await store.clear();
    expect(await store.load()).toBeNull();
  });

  it('refuses a damaged file with a message that says to sign in again', async () => {
    const store = new CredentialsStore(root);
    await writeFile(store.file, '{"serverUrl": 1');
    await expect(store.load()).rejects.toBeInstanceOf(CredentialsFileError);
    await writeFile(store.file, JSON.stringify({ serverUrl: 'x' }));
    await expect(store.load()).rejects.toThrow(/Sign in again/);
  });

  it('leaves no temporary file behind', async () => {
    const store = new CredentialsStore(root);
    await store.save(sample);
    expect(JSON.parse(await readFile(store.file, 'utf8'))).toEqual(sample);
    const { readdir } = await import('node:fs/promises');
    expect(await readdir(root)).toEqual(['credentials.json']);
  });
});

describe('posternConfigDir', () => {
  it('respects an absolute XDG_CONFIG_HOME and ignores a relative one, as the XDG spec says', () => {
    expect(posternConfigDir({ env: { XDG_CONFIG_HOME: '/x/cfg' }, platform: 'linux', homeDir: '/home/a' })).toBe('/x/cfg/postern');
    expect(posternConfigDir({ env: { XDG_CONFIG_HOME: 'rel' }, platform: 'linux', homeDir: '/home/a' })).toBe('/home/a/.config/postern');
    expect(posternConfigDir({ env: {}, platform: 'linux', homeDir: '/home/a' })).toBe('/home/a/.config/postern');
  });

  it('uses the platform config folder on macOS and Windows', () => {
    expect(posternConfigDir({ env: {}, platform: 'darwin', homeDir: '/Users/a' })).toBe('/Users/a/Library/Application Support/Postern');
    expect(posternConfigDir({ env: { APPDATA: '/appdata' }, platform: 'win32', homeDir: '/h' })).toBe(join('/appdata', 'Postern'));
  });
});
