/**
 * The gateway's SSH bridge for ALPN `postern-ssh`. Toward the client it is an SSH server over the
 * already mTLS-authenticated stream (any SSH user authentication is accepted: the stream itself
 * is the proof), toward the target an SSH client logged in with the session's injected
 * credential. The target login starts with the bridge, alongside the client's SSH handshake (the
 * stream is already an admitted session), so the ~100 ms of connect, key exchange and login to
 * the target overlap the client's own handshake; whatever way the client goes, the target
 * connection goes with it. A client that only reads the host key (the CLI's known_hosts helper)
 * therefore also makes a login on the target, closed as soon as it leaves.
 */
import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import type { Client as Ssh2Client, Connection, CipherAlgorithm } from 'ssh2';
import { SSH2_FAST_CIPHERS } from '@postern/shared/ssh/ssh2-certificates';
import type { BridgeEndReason, BridgeOptions, SshSessionContext } from './context.ts';
import { handleForwarding } from './forwarding.ts';
import { SessionLifetime } from './lifetime.ts';
import { handleSessionChannel } from './session-channel.ts';
import { connectTarget } from './target.ts';

const { Server } = ssh2;
/** A client that has not finished the SSH handshake and authentication by then is dropped. */
const CLIENT_HANDSHAKE_LIMIT_MS = 30_000;

/**
 * Serves one client stream until it closes, the session expires or is terminated. Resolves with
 * why it ended; never rejects (failures are told to the user on their channels and logged).
 */
export function handleSshConnection(stream: Duplex, ctx: SshSessionContext): Promise<BridgeEndReason> {
  const { target, credential, ...rest } = ctx;
  return serveSshBridge(stream, { ...rest, login: () => connectTarget({ target, credential, logger: ctx.logger, sessionId: ctx.sessionId }) });
}

/** A bridge for a session that cannot start: the user's SSH client is told `message` on its first channel. */
export function refuseSshConnection(stream: Duplex, ctx: Omit<BridgeOptions, 'login'>, message: string): Promise<BridgeEndReason> {
  return serveSshBridge(stream, { ...ctx, login: () => Promise.reject(new Error(message)) });
}

export function serveSshBridge(stream: Duplex, ctx: BridgeOptions): Promise<BridgeEndReason> {
  return new Promise((resolve) => {
    let targetLogin: Promise<Ssh2Client> | undefined;
    let targetFailed = false;
    let clientGone = false;
    let connection: Connection | undefined;
    const now = ctx.now ?? Date.now;
    const lifetime = new SessionLifetime(ctx.expiresAt, now, (reason) => {
      ctx.logger.info({ sessionId: ctx.sessionId, reason }, 'ssh session ended by the gateway');
      shutdown();
    }, ctx.terminated);
    const handshakeTimer = setTimeout(() => stream.destroy(), CLIENT_HANDSHAKE_LIMIT_MS);

    const target = (): Promise<Ssh2Client> => {
      targetLogin ??= loginOnce(ctx, {
        unwanted: () => lifetime.ended || clientGone,
        closed: () => connection?.end(),
        failed: () => { targetFailed = true; },
      });
      return targetLogin;
    };

    function shutdown(): void {
      targetLogin?.then((client) => client.end(), () => {});
      connection?.end();
      setTimeout(() => stream.destroy(), 1_000).unref();
    }

    // Started now, not at the client's authentication: see the header. Failures reach the user
    // on their first channel (session-channel.ts), so this early start only swallows the rejection.
    target().catch(() => {});
    // ssh2 reports no close for a client that leaves before its handshake: the transport's close
    // ends the bridge (and the target connection) too.
    const finish = (): void => {
      clientGone = true;
      clearTimeout(handshakeTimer);
      lifetime.dispose();
      targetLogin?.then((targetClient) => targetClient.end(), () => {});
      resolve(lifetime.reason ?? (targetFailed ? 'target-failed' : 'closed'));
    };
    stream.once('close', finish);

    const server = new Server({
      hostKeys: [ctx.hostKey],
      algorithms: { cipher: [...SSH2_FAST_CIPHERS] as CipherAlgorithm[] },
    });
    server.on('connection', (client) => {
      connection = client;
      client.on('authentication', (auth) => auth.accept());
      client.on('ready', () => {
        clearTimeout(handshakeTimer);
        client.on('session', (accept) => handleSessionChannel(accept(), { ctx, target, lifetime }));
        handleForwarding(client, ctx, target);
      });
      client.on('error', (error) => ctx.logger.info({ sessionId: ctx.sessionId, error: error.message }, 'client connection error'));
      client.on('close', finish);
    });
    server.injectSocket(stream as never);
  });
}

/** The target login with its logging; a connection that arrives after the client left or the session ended is closed. */
function loginOnce(ctx: BridgeOptions, hooks: { unwanted(): boolean; closed(): void; failed(): void }): Promise<Ssh2Client> {
  return ctx.login().then((client) => {
    client.on('close', hooks.closed);
    client.on('error', (error) => ctx.logger.warn({ sessionId: ctx.sessionId, error: error.message }, 'target connection error'));
    if (hooks.unwanted()) client.end();
    return client;
  }, (error: Error) => {
    hooks.failed();
    ctx.logger.warn({ sessionId: ctx.sessionId, error: error.message }, 'target login failed');
    throw error;
  });
}
