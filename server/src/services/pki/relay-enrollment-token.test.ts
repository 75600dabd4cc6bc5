import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRelayEnrollmentToken, relayEnrollmentTokenPath } from './relay-enrollment-token.ts';

describe('loadRelayEnrollmentToken', () => {
  it('takes the configured token as is', async () => {
    expect(await loadRelayEnrollmentToken({ configured: 'x'.repeat(40), dataDir: '/nonexistent' })).toEqual({ token: 'x'.repeat(40), source: 'env' });
  });

  it('makes a 0600 token file once, and two starts racing read the same token', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'postern-relay-token-')), 'data');
    const [one, two] = await Promise.all([loadRelayEnrollmentToken({ configured: undefined, dataDir: dir }), loadRelayEnrollmentToken({ configured: undefined, dataDir: dir })]);
    expect(one.token).toBe(two.token);
    expect([one.source, two.source].sort()).toEqual(['file', 'generated']);
    expect(one.token.length).toBeGreaterThanOrEqual(32);
    expect((await stat(relayEnrollmentTokenPath(dir))).mode & 0o777).toBe(0o600);
    expect(await loadRelayEnrollmentToken({ configured: undefined, dataDir: dir })).toEqual({ token: one.token, source: 'file' });
  });

  it('refuses a file with a short token instead of replacing it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'postern-relay-token-'));
    await writeFile(relayEnrollmentTokenPath(dir), 'short\n');
    await expect(loadRelayEnrollmentToken({ configured: undefined, dataDir: dir })).rejects.toThrow(/at least 32/);
    expect(await readFile(relayEnrollmentTokenPath(dir), 'utf8')).toBe('short\n');
  });
});
