/**
 * The gateway's SSH host key toward clients: made once and kept in the gateway's data folder, so
 * a user's known_hosts line stays valid across restarts. Clients still trust it only because the
 * inner TLS handshake pinned the gateway; the key just has to be stable.
 */
import { randomUUID } from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
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
  // Written aside, then linked into place: link() fails if the key exists and never exposes a
  // half-written file, so two gateways starting at once agree on one complete key.
  const temporary = `${file}.${randomUUID()}.tmp`;
  await writeFile(temporary, key, { mode: 0o600 });
  try {
    await link(temporary, file).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
  } finally {
    await rm(temporary, { force: true });
  }
  return readFile(file, 'utf8');
}
