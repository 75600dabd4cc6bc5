/**
 * The client's SSH login to the gateway's bridge over an already mTLS-authenticated stream. The
 * stream is the authentication (the gateway accepts SSH auth "none" on it), and the gateway's
 * identity was pinned by the inner TLS handshake, so the SSH host key is read, not checked here.
 */
import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import type { CipherAlgorithm, Client as Ssh2Client } from 'ssh2';
import { SSH2_FAST_CIPHERS } from '@postern/shared/ssh/ssh2-certificates';

const { Client } = ssh2;
const HANDSHAKE_LIMIT_MS = 20_000;

export interface GatewaySsh {
  client: Ssh2Client;
  /** The gateway's host key as presented (SSH wire blob). */
  hostKey: Buffer;
}

/** The user name is not used for anything: the gateway logs in to the target as the session's account. */
export const BRIDGE_USERNAME = 'postern';

export function connectGatewaySsh(stream: Duplex, options: { readyTimeoutMs?: number } = {}): Promise<GatewaySsh> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    let hostKey: Buffer | undefined;
    client.once('ready', () => resolve({ client, hostKey: hostKey ?? Buffer.alloc(0) }));
    // `on`, not `once`: ssh2 can emit a second error while the connection fails, which would otherwise be uncaught.
    client.on('error', reject);
    client.connect({
      sock: stream as never,
      username: BRIDGE_USERNAME,
      // ssh2 tries 'none' first when no other method is configured; the bridge accepts it.
      authHandler: ['none'],
      readyTimeout: options.readyTimeoutMs ?? HANDSHAKE_LIMIT_MS,
      algorithms: { cipher: [...SSH2_FAST_CIPHERS] as CipherAlgorithm[] },
      hostVerifier: (key: Buffer) => {
        hostKey = Buffer.from(key);
        return true;
      },
    });
  });
}
