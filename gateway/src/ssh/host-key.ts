/**
 * The gateway's SSH host key toward clients: made once and kept in the gateway's data folder, so
 * a user's known_hosts line stays valid across restarts. Clients still trust it only because the
 * inner TLS handshake pinned the gateway; the key just has to be stable.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { generateEd25519KeyPair } from '@postern/shared/ssh/keys';
import { encodeOpenSshPrivateKey, parseOpenSshPrivateKey } from '@postern/shared/ssh/private-key';

export async function loadOrCreateHostKey(file: string): Promise<string> {
  const existing = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (existing !== undefined) {
    parseOpenSshPrivateKey(existing);
    return existing;
  }
  const key = encodeOpenSshPrivateKey(generateEd25519KeyPair().privateKey, 'postern-gateway-host');
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  // 'wx': two gateway processes starting at once must not overwrite each other's key.
  await writeFile(file, key, { mode: 0o600, flag: 'wx' }).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  return readFile(file, 'utf8');
}
