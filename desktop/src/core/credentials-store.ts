import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { CredentialsFileError } from './errors.ts';

/**
 * The signed-in user's tokens, kept in one JSON file under the user's config folder. The file is
 * created with mode 0600 in a 0700 folder (a refresh token is a password for 30 days), written to
 * a temporary file first and renamed, so a crash never leaves half a file.
 */

export const zStoredCredentials = z.object({
  serverUrl: z.string(),
  accessToken: z.string(),
  accessTokenExpiresAt: z.string(),
  refreshToken: z.string(),
  refreshTokenExpiresAt: z.string(),
  user: z.object({ id: z.string(), email: z.string() }),
});
export type StoredCredentials = z.infer<typeof zStoredCredentials>;

export interface ConfigDirInput {
  env: { XDG_CONFIG_HOME?: string | undefined; APPDATA?: string | undefined };
  platform: NodeJS.Platform;
  homeDir: string;
}

/** Where Postern keeps its files: $XDG_CONFIG_HOME/postern, else the platform's config folder. */
export function posternConfigDir({ env, platform, homeDir }: ConfigDirInput): string {
  if (env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/')) return join(env.XDG_CONFIG_HOME, 'postern');
  if (platform === 'darwin') return join(homeDir, 'Library', 'Application Support', 'Postern');
  if (platform === 'win32') return join(env.APPDATA ?? join(homeDir, 'AppData', 'Roaming'), 'Postern');
  return join(homeDir, '.config', 'postern');
}

export class CredentialsStore {
  readonly file: string;

  constructor(readonly dir: string) {
    this.file = join(dir, 'credentials.json');
  }

  async load(): Promise<StoredCredentials | null> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new CredentialsFileError(this.file, (error as Error).message);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new CredentialsFileError(this.file, 'not JSON');
    }
    const parsed = zStoredCredentials.safeParse(json);
    if (!parsed.success) throw new CredentialsFileError(this.file, 'unexpected content');
    return parsed.data;
  }

  async save(credentials: StoredCredentials): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const temporary = `${this.file}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(temporary, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
    // The mode given to writeFile is masked by the umask; set it explicitly.
    await chmod(temporary, 0o600);
    await rename(temporary, this.file);
  }

  async clear(): Promise<void> {
    await rm(this.file, { force: true });
  }
}
