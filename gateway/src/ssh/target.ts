/**
 * The gateway's login to the target sshd with the session's injected credential: password,
 * stored private key, or a fresh ed25519 key pair whose public key the server signs with the
 * resource's SSH CA (the key lives only in this process for this session). The target's host key
 * must be one of the pinned keys when the resource has any.
 */
import { connect as tcpConnect, type Socket } from 'node:net';
import ssh2 from 'ssh2';
import type { CipherAlgorithm, Client as Ssh2Client, ConnectConfig, ServerHostKeyAlgorithm } from 'ssh2';
import { parseSshCertificate } from '@postern/shared/ssh/certificate';
import { fingerprintSha256, formatPublicKeyLine, generateEd25519KeyPair, parsePublicKeyLineRaw } from '@postern/shared/ssh/keys';
import { SSH2_FAST_CIPHERS, ssh2UserCertificateAuth } from '@postern/shared/ssh/ssh2-certificates';
import { SshTargetError } from './errors.ts';
import type { SshSessionContext, SshTarget, SshTargetCredential } from './context.ts';

const { Client } = ssh2;
const TARGET_READY_TIMEOUT_MS = 15_000;

/** Host key algorithms that make the target present a key of a pinned type. */
const HOST_KEY_ALGORITHMS_BY_TYPE: Record<string, string[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

interface PinnedHostKeys {
  blobs: Buffer[];
  algorithms: string[];
}

function readPins(target: SshTarget): PinnedHostKeys | undefined {
  if (!target.hostKeys?.length) return undefined;
  const keys = target.hostKeys.map((line) => parsePublicKeyLineRaw(line));
  const algorithms = [...new Set(keys.flatMap((key) => HOST_KEY_ALGORITHMS_BY_TYPE[key.type] ?? []))];
  return { blobs: keys.map((key) => key.blob), algorithms };
}

async function credentialConfig(credential: SshTargetCredential): Promise<Partial<ConnectConfig>> {
  switch (credential.type) {
    case 'password': return { username: credential.username, password: credential.password };
    case 'key': return {
      username: credential.username, privateKey: credential.privateKey,
      ...(credential.passphrase === undefined ? {} : { passphrase: credential.passphrase }),
    };
    case 'certificate': {
      const pair = credential.keyPair ?? generateEd25519KeyPair();
      const certificateLine = await credential.issue(formatPublicKeyLine(pair.publicKey));
      const auth = ssh2UserCertificateAuth(pair.privateKey, parseSshCertificate(certificateLine));
      return { username: credential.username, ...auth } as Partial<ConnectConfig>;
    }
  }
}

function openSocket(target: SshTarget): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host: target.host, port: target.port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new SshTargetError('unreachable', `${target.host}:${target.port} did not answer within ${TARGET_READY_TIMEOUT_MS / 1000} s`));
    }, TARGET_READY_TIMEOUT_MS);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.setNoDelay(true);
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(new SshTargetError('unreachable', `${target.host}:${target.port}: ${(error as NodeJS.ErrnoException).code ?? error.message}`));
    });
  });
}

/**
 * Logs in to the target. Resolves with a ready ssh2 Client; rejects with SshTargetError whose
 * message is safe to show the user (it never contains the credential).
 */
export async function connectTarget(ctx: Pick<SshSessionContext, 'target' | 'credential' | 'logger' | 'sessionId'>): Promise<Ssh2Client> {
  const pins = readPins(ctx.target);
  const auth = await credentialConfig(ctx.credential).catch((error: unknown) => {
    throw new SshTargetError('credential', `the server did not issue a certificate for this session (${(error as Error).message})`);
  });
  const socket = await openSocket(ctx.target);
  let presentedKey: Buffer | undefined;
  return new Promise((resolve, reject) => {
    const client = new Client();
    client.once('ready', () => resolve(client));
    // `on`, not `once`: ssh2 may emit a second error (e.g. "Connection lost before handshake" after a
    // refused host key), and an error event without a listener would crash the gateway.
    let failed = false;
    client.on('error', (error: Error & { level?: string }) => {
      socket.destroy();
      if (failed) return;
      failed = true;
      if (pins && presentedKey && !pins.blobs.some((blob) => blob.equals(presentedKey!))) {
        ctx.logger.warn({ sessionId: ctx.sessionId, presented: fingerprintSha256(presentedKey) }, 'target host key mismatch');
        reject(new SshTargetError('host_key_mismatch', `the target presented host key ${fingerprintSha256(presentedKey)}, which is not the key pinned for this resource`));
      } else if (error.level === 'client-authentication') {
        reject(new SshTargetError('login_refused', 'the target refused the account\'s credential'));
      } else {
        reject(new SshTargetError('handshake', error.message));
      }
    });
    client.connect({
      sock: socket,
      ...auth,
      readyTimeout: TARGET_READY_TIMEOUT_MS,
      keepaliveInterval: 15_000,
      algorithms: {
        cipher: [...SSH2_FAST_CIPHERS] as CipherAlgorithm[],
        ...(pins ? { serverHostKey: pins.algorithms as ServerHostKeyAlgorithm[] } : {}),
      },
      hostVerifier: (key: Buffer) => {
        presentedKey = Buffer.from(key);
        return !pins || pins.blobs.some((blob) => blob.equals(key));
      },
    });
  });
}
