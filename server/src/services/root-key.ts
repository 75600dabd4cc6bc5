import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PosternError } from '@postern/shared/errors';

const KEY_BYTES = 32;

export class RootKeyError extends PosternError {
  constructor(message: string) {
    super('root_key_invalid', 500, message);
  }
}

/**
 * The root key comes from POSTERN_ROOT_KEY (base64 of 32 bytes) or, for the embedded
 * single-machine deployment, from `<dataDir>/root.key`, created on first start with mode 0600.
 * Losing it makes every stored secret unreadable, so it is never regenerated over an existing file.
 */
export async function loadRootKey(opts: { rootKeyBase64?: string | undefined; dataDir: string }): Promise<{ key: Buffer; source: 'env' | 'file' | 'generated' }> {
  if (opts.rootKeyBase64) return { key: decodeRootKey(opts.rootKeyBase64, 'POSTERN_ROOT_KEY'), source: 'env' };
  const path = join(opts.dataDir, 'root.key');
  try {
    return { key: decodeRootKey((await readFile(path, 'utf8')).trim(), path), source: 'file' };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(opts.dataDir, { recursive: true, mode: 0o700 });
  const key = randomBytes(KEY_BYTES);
  // 'wx' refuses to overwrite a key another process wrote meanwhile.
  const handle = await open(path, 'wx', 0o600);
  try {
    await handle.writeFile(`${key.toString('base64')}\n`);
  } finally {
    await handle.close();
  }
  return { key, source: 'generated' };
}

function decodeRootKey(text: string, where: string): Buffer {
  const key = Buffer.from(text, 'base64');
  if (key.length !== KEY_BYTES || key.toString('base64') !== text.replace(/\s+/g, '')) {
    throw new RootKeyError(`${where} must hold base64 of exactly ${KEY_BYTES} random bytes (make one with: openssl rand -base64 32).`);
  }
  return key;
}
