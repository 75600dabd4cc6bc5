import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { parseOpenSshPrivateKey } from '@postern/shared/ssh/private-key';
import { loadOrCreateHostKey } from './host-key.ts';

const dir = mkdtempSync(join(tmpdir(), 'postern-host-key-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('makes the key once (mode 0600) and returns the same key on every later start', async () => {
  const file = join(dir, 'nested', 'ssh_host_ed25519');
  const [first, concurrent] = await Promise.all([loadOrCreateHostKey(file), loadOrCreateHostKey(file)]);
  expect(concurrent).toBe(first);
  expect(await loadOrCreateHostKey(file)).toBe(first);
  expect(statSync(file).mode & 0o777).toBe(0o600);
  expect(parseOpenSshPrivateKey(first).privateKey.asymmetricKeyType).toBe('ed25519');
});

it('refuses a file that is not a key instead of replacing it', async () => {
  const file = join(dir, 'broken');
  writeFileSync(file, 'not a key');
  await expect(loadOrCreateHostKey(file)).rejects.toThrow();
});
