import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PosternError } from '@postern/shared/errors';

/**
 * The managed relay's enrollment token for a single-machine start: POSTERN_RELAY_ENROLLMENT_TOKEN
 * when set, else `<dataDir>/relay-enrollment.token`, made once (mode 0600) so the relay started
 * beside the server can read the same file. Never regenerated over an existing file: relays
 * already configured with it would stop enrolling.
 */

const FILE_NAME = 'relay-enrollment.token';
const MIN_LENGTH = 32;

export class RelayEnrollmentTokenError extends PosternError {
  constructor(message: string) {
    super('relay_enrollment_token_invalid', 500, message);
  }
}

export function relayEnrollmentTokenPath(dataDir: string): string {
  return join(dataDir, FILE_NAME);
}

export async function loadRelayEnrollmentToken(opts: { configured: string | undefined; dataDir: string }): Promise<{ token: string; source: 'env' | 'file' | 'generated' }> {
  if (opts.configured) return { token: opts.configured, source: 'env' };
  const path = relayEnrollmentTokenPath(opts.dataDir);
  try {
    const token = (await readFile(path, 'utf8')).trim();
    if (token.length < MIN_LENGTH || /\s/.test(token)) {
      throw new RelayEnrollmentTokenError(`${path} must hold one token of at least ${MIN_LENGTH} characters; delete it to have a new one made.`);
    }
    return { token, source: 'file' };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(opts.dataDir, { recursive: true, mode: 0o700 });
  const token = `prt_relay_${randomBytes(32).toString('base64url')}`;
  // Written aside, then linked into place: link() refuses to replace a token another process
  // placed meanwhile, and nobody ever reads a half-written file.
  const aside = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(aside, `${token}\n`, { mode: 0o600, flag: 'wx' });
  try {
    await link(aside, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadRelayEnrollmentToken(opts);
    throw err;
  } finally {
    await unlink(aside);
  }
  return { token, source: 'generated' };
}
