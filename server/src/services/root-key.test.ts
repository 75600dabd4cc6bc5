import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRootKey } from './root-key.ts';

describe('loadRootKey', () => {
  it('takes the key from the environment value', async () => {
    const key = randomBytes(32);
    const loaded = await loadRootKey({ rootKeyBase64: key.toString('base64'), dataDir: '/nonexistent' });
    expect(loaded.source).toBe('env');
    expect(loaded.key.equals(key)).toBe(true);
  });

  it('rejects a key that is not 32 bytes of base64, naming the variable', async () => {
    await expect(loadRootKey({ rootKeyBase64: 'c2hvcnQ=', dataDir: '/x' })).rejects.toThrow(/POSTERN_ROOT_KEY.*32/);
    await expect(loadRootKey({ rootKeyBase64: '!!!not base64!!!', dataDir: '/x' })).rejects.toThrow(/POSTERN_ROOT_KEY/);
  });

  it('generates a 0600 key file once and reads the same key after', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'postern-rk-')), 'data');
    const first = await loadRootKey({ dataDir: dir });
    expect(first.source).toBe('generated');
    expect((await stat(join(dir, 'root.key'))).mode & 0o777).toBe(0o600);
    const second = await loadRootKey({ dataDir: dir });
    expect(second.source).toBe('file');
    expect(second.key.equals(first.key)).toBe(true);
  });

  it('refuses a corrupted key file instead of replacing it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'postern-rk-'));
    await writeFile(join(dir, 'root.key'), 'garbage\n');
    await expect(loadRootKey({ dataDir: dir })).rejects.toThrow(/root\.key/);
    expect(await readFile(join(dir, 'root.key'), 'utf8')).toBe('garbage\n');
  });
});
