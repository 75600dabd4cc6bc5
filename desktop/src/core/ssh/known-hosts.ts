/**
 * The gateway's SSH host key for the user's own `ssh` through `--local-port`: read over an
 * authenticated stream (the gateway was pinned by the inner TLS handshake, so the key is
 * genuine), then written as a known_hosts line for `[127.0.0.1]:PORT` in the app's own file, so
 * ssh neither warns nor touches ~/.ssh/known_hosts.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import { formatPublicKeyLine } from '@postern/shared/ssh/keys';

const { Client } = ssh2;
const HOST_KEY_LIMIT_MS = 15_000;

/**
 * Runs the SSH key exchange only and stops before authentication, so the gateway never logs in
 * to the target for it. Resolves with the host key as an OpenSSH public key line.
 */
export function readGatewayHostKey(stream: Duplex): Promise<string> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    let line: string | undefined;
    client.on('error', (error) => (line ? resolve(line) : reject(error)));
    client.on('close', () => (line ? resolve(line) : reject(new Error('the gateway closed the SSH connection before showing its host key'))));
    client.connect({
      sock: stream as never,
      username: 'postern',
      readyTimeout: HOST_KEY_LIMIT_MS,
      hostVerifier: (key: Buffer) => {
        line = formatPublicKeyLine(key);
        // Refusing ends the handshake here: nothing past the key exchange is needed.
        return false;
      },
    });
  });
}

export function knownHostsPattern(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** Writes (or replaces) the line for host:port in `file`, keeping other lines; returns the file. */
export async function writeKnownHost(file: string, host: string, port: number, publicKeyLine: string): Promise<string> {
  const pattern = knownHostsPattern(host, port);
  const existing = await readFile(file, 'utf8').catch(() => '');
  const kept = existing.split('\n').filter((entry) => entry.trim() !== '' && entry.split(' ')[0] !== pattern);
  const [type, blob] = publicKeyLine.trim().split(/\s+/);
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, `${[...kept, `${pattern} ${type} ${blob}`].join('\n')}\n`, { mode: 0o600 });
  return file;
}
