/**
 * `postern-probe`: the platform asks the gateway whether it can reach host:port (a reachability
 * check when an admin creates or edits a resource). The gateway connects over TCP with a
 * timeout and, for SSH resources, starts an SSH handshake only far enough to see the host key
 * the target presents, then drops it (no authentication is attempted). Only the platform's
 * certificate may use it: a user's session certificate must not turn the gateway into a port
 * scanner of the private network.
 */
import net, { type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import ssh2 from 'ssh2';
import { encodeProbeLine, readProbeLine, zProbeRequest, type ProbeAnswer } from '@postern/shared/relay/probe';
import { formatPublicKeyLine } from '@postern/shared/ssh/keys';
import type { AlpnHandler } from './alpn-registry.ts';
import type { GatewayLogger } from './logger.ts';

const { Client } = ssh2;
const REQUEST_TIMEOUT_MS = 10_000;

export function probeHandler(log: GatewayLogger): AlpnHandler {
  return (stream, peer) => {
    stream.on('error', () => stream.destroy());
    if (peer.kind !== 'platform') {
      stream.end(encodeProbeLine({ ok: false, error: 'postern-probe is for the platform only' }));
      return;
    }
    answerProbe(stream).then((answer) => {
      log.info({ event: 'probe_answered', ok: answer.ok }, 'reachability probe');
      stream.end(encodeProbeLine(answer));
    }, (error: Error) => stream.end(encodeProbeLine({ ok: false, error: `bad probe request: ${error.message}` })));
  };
}

async function answerProbe(stream: TLSSocket): Promise<ProbeAnswer> {
  const request = zProbeRequest.parse(JSON.parse(await readProbeLine(stream, REQUEST_TIMEOUT_MS)));
  const started = performance.now();
  let socket: Socket;
  try {
    socket = await connectWithin(request.host, request.port, request.timeoutMs);
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
  const connectMs = Math.round((performance.now() - started) * 100) / 100;
  if (!request.sshHostKey) {
    socket.destroy();
    return { ok: true, connectMs };
  }
  try {
    return { ok: true, connectMs, sshHostKeys: [await readSshHostKey(socket, request.timeoutMs)] };
  } catch (error) {
    return { ok: false, connectMs, error: `connected, but no SSH host key: ${(error as Error).message}` };
  }
}

function connectWithin(host: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => fail(new Error(`no TCP connection to ${host}:${port} within ${timeoutMs} ms`)), timeoutMs);
    function fail(error: Error): void {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    }
    socket.once('error', (error: NodeJS.ErrnoException) => fail(new Error(`${host}:${port}: ${error.code ?? error.message}`)));
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      socket.on('error', () => undefined);
      resolve(socket);
    });
  });
}

/** The host key from the key exchange; the verifier refuses it, so the connection ends right there. */
function readSshHostKey(socket: Socket, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    let seen: string | undefined;
    const timer = setTimeout(() => done(new Error(`no SSH key exchange within ${timeoutMs} ms`)), timeoutMs);
    function done(error?: Error): void {
      clearTimeout(timer);
      client.removeAllListeners();
      client.on('error', () => undefined);
      client.end();
      socket.destroy();
      if (seen) resolve(seen);
      else reject(error ?? new Error('the target closed the connection'));
    }
    client.on('error', (error) => done(error));
    client.on('close', () => done());
    client.connect({
      sock: socket, username: 'postern-probe', readyTimeout: timeoutMs,
      hostVerifier: (key: Buffer) => {
        seen = formatPublicKeyLine(key).trim();
        return false;
      },
    });
  });
}
