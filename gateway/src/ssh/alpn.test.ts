/**
 * The `postern-ssh` admission: one credentials call admits the session (404/410 refuse it, an
 * unreachable server throws so the gateway refuses, any other server error admits a bridge that
 * tells the user why), and the handler reuses that answer instead of asking again.
 */
import type { TLSSocket } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import ssh2 from 'ssh2';
import { NotFoundError, PosternError, SessionExpiredError } from '@postern/shared/errors';
import type { SessionParameters } from '@postern/shared/pki/peer-identity';
import { generateEd25519KeyPair } from '@postern/shared/ssh/keys';
import { encodeOpenSshPrivateKey } from '@postern/shared/ssh/private-key';
import { duplexPair } from '../../../test/fixtures/duplex-pair.ts';
import { silentLogger } from '../logger.ts';
import { sshAlpnService } from './alpn.ts';
import type { SshSessionTarget } from './session-credentials.ts';

const session: SessionParameters = {
  orgId: 'org-a', gatewayId: 'gw-1', sessionId: 'ses-1', resourceId: 'res-1', accountId: 'acc-1', actorId: undefined, notAfter: new Date(Date.now() + 600_000),
};
const hostKey = encodeOpenSshPrivateKey(generateEd25519KeyPair().privateKey);
const noRecording = { openTerminal: () => ({ output() {}, input() {}, resize() {}, close() {} }), event() {} };
const opened: Array<{ destroy(): void }> = [];

afterEach(() => {
  for (const stream of opened.splice(0)) stream.destroy();
});

function serviceAnswering(answer: () => Promise<SshSessionTarget>) {
  const asked: string[] = [];
  const service = sshAlpnService({
    resolveTarget: (sessionId) => {
      asked.push(sessionId);
      return answer();
    },
    hostKey, recorderFor: () => noRecording, log: silentLogger,
  });
  const [clientSide, gatewaySide] = duplexPair();
  opened.push(clientSide, gatewaySide);
  return { ...service, asked, clientSide, gatewaySide: gatewaySide as unknown as TLSSocket };
}

/** Runs `true` through the bridge with ssh2 and returns what came back on stderr. */
function execStderr(stream: ReturnType<typeof duplexPair>[0]): Promise<string> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    client.on('error', reject);
    client.on('ready', () => client.exec('true', (error, channel) => {
      if (error) return reject(error);
      let stderr = '';
      channel.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
      channel.on('close', () => {
        client.end();
        resolve(stderr);
      });
      channel.resume();
    }));
    client.connect({ sock: stream as never, username: 'postern', readyTimeout: 10_000, hostVerifier: () => true });
  });
}

describe('postern-ssh admission', () => {
  it('admits with the credentials answer and the handler does not ask the server again', async () => {
    // An unreachable target: the login fails at once, which is all this test needs.
    const ssh = serviceAnswering(async () => ({
      target: { host: '127.0.0.1', port: 1 }, credential: { type: 'password', username: 'u', password: 'p' }, expiresAt: new Date(Date.now() + 600_000),
    }));
    expect(await ssh.admission(ssh.gatewaySide, session)).toBe(true);
    ssh.handler(ssh.gatewaySide, { kind: 'session', session });
    expect(await execStderr(ssh.clientSide)).toMatch(/could not open the SSH session on the target: 127\.0\.0\.1:1/);
    expect(ssh.asked).toEqual(['ses-1']);
  });

  it.each([
    ['unknown to the server (404)', new NotFoundError('session', 'ses-1')],
    ['ended or expired (410)', new SessionExpiredError('ses-1')],
  ])('refuses a session %s', async (_name, error) => {
    const ssh = serviceAnswering(() => Promise.reject(error));
    expect(await ssh.admission(ssh.gatewaySide, session)).toBe(false);
  });

  it('throws when the server cannot be asked, so the gateway refuses (fail closed)', async () => {
    const ssh = serviceAnswering(() => Promise.reject(new TypeError('fetch failed')));
    await expect(ssh.admission(ssh.gatewaySide, session)).rejects.toThrow(/fetch failed/);
  });

  it('admits on another server error and the bridge tells the user why, without asking again', async () => {
    const ssh = serviceAnswering(() => Promise.reject(new PosternError('internal_error', 500, 'The server failed to sign the certificate.')));
    expect(await ssh.admission(ssh.gatewaySide, session)).toBe(true);
    ssh.handler(ssh.gatewaySide, { kind: 'session', session });
    expect(await execStderr(ssh.clientSide)).toMatch(/Postern: session ses-1 could not start \(The server failed to sign the certificate\.\)/);
    expect(ssh.asked).toEqual(['ses-1']);
  });
});
