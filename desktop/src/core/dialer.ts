/**
 * The client's way to a gateway (CLI, desktop app and platform alike): TLS 1.3 to the relay with
 * the relay client certificate, a first frame naming the gateway, then TLS 1.3 mutual auth with
 * the gateway inside the relayed channel, pinned to the gateway id's URI SAN, with the session
 * certificate. Resolves to the inner TLS socket, ready for the ALPN protocol; rejects with a
 * typed error that says what to do.
 */
import net from 'node:net';
import tls, { type TLSSocket } from 'node:tls';
import {
  GatewayPinMismatchError, GatewayRefusedError, GatewayUnreachableError, PosternError, RelayRefusedError, RelayUnreachableError,
  RelayUntrustedError, X509CertificateError,
} from '@postern/shared/errors';
import { pinGatewayIdentity } from '@postern/shared/pki/peer-identity';
import { decodeRelayStatus, encodeRelayRequest } from '@postern/shared/relay/frame';
import { readFirstFrame } from '@postern/shared/relay/read-frame';
import type { OnConnectStep } from './connect-steps.ts';
import { HeldReadStream } from './dialer-stream.ts';

export interface DialGatewayOptions {
  relay: { host: string; port: number; ca: string; cert: string; key: string };
  gatewayId: string;
  /** The org's Gateway Server CA (PEM): the only CA the inner hop trusts. */
  gateway: { ca: string };
  /** The session (or platform) client certificate and key for the inner hop, PEM. */
  session: { cert: string; key: string };
  alpn: string;
  timeoutMs?: number;
  /** Told 'relay' when the outer TLS is up and 'gateway' when the gateway admitted the session. */
  onStep?: OnConnectStep;
}

const DEFAULT_TIMEOUT_MS = 15_000;

/**
 * The first TLS context given a `ca` makes Node parse its bundled root CAs into a trust store
 * (20–30 ms of CPU, once per process; with NODE_EXTRA_CA_CERTS set, at start instead). Each dial
 * makes two such contexts, so a caller with time to spare (waiting on the server) calls this first
 * and the dial does not pay it. The empty `ca` adds no certificate to anything.
 */
export function warmTlsTrustStore(): void {
  try {
    tls.createSecureContext({ ca: '' });
  } catch {
    // Only a warm-up: the dial builds the store itself if this ever fails.
  }
}

/**
 * The inner TLS runs natively on the relay connection (no JavaScript stream between the two TLS
 * layers: about half the client's CPU per byte) with its ClientHello right behind the first
 * frame, and the relay answers only a refusal (`silentOk`). A refusal's status frame then reaches
 * the inner TLS, which cannot read it, so a failed handshake that is not the gateway's own verdict
 * is explained by asking the relay once more the old way (`dialExplained`): a second round trip,
 * on the refusal path only.
 */
export async function dialGateway(options: DialGatewayOptions): Promise<TLSSocket> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  // Kept back from the first attempt so a relay that never answers can still be told apart from a slow gateway.
  const explainMs = Math.min(3_000, timeoutMs / 4);
  const outer = await connectRelay(options, remaining(deadline));
  options.onStep?.('relay');
  let inner: TLSSocket;
  try {
    outer.write(encodeRelayRequest({ gatewayId: options.gatewayId, silentOk: true }));
    inner = tls.connect({ socket: outer, ...innerTlsOptions(options) });
    await withTimeout(innerHandshake(inner, options.gatewayId), remaining(deadline - explainMs),
      () => new GatewayUnreachableError(options.gatewayId, 'the inner TLS handshake timed out'));
  } catch (error) {
    outer.destroy();
    if (isGatewayVerdict(error) || remaining(deadline) <= 1) throw error;
    return dialExplained(options, deadline);
  }
  return admitted(inner, outer, options, deadline);
}

/** The relay is asked for its status before the inner TLS reads anything; used to learn why a dial failed. */
async function dialExplained(options: DialGatewayOptions, deadline: number): Promise<TLSSocket> {
  const outer = await connectRelay(options, remaining(deadline));
  try {
    outer.write(encodeRelayRequest({ gatewayId: options.gatewayId }));
    const held = new HeldReadStream(outer);
    const inner = tls.connect({ socket: held, ...innerTlsOptions(options) });
    const innerDone = innerHandshake(inner, options.gatewayId);
    innerDone.catch(() => undefined);
    const status = await readFirstFrame(outer, decodeRelayStatus, remaining(deadline)).catch((error: Error) => {
      throw new RelayRefusedError('no_answer', `the relay did not answer the first frame (${error.message}).`);
    });
    if (status.status !== 'ok') throw new RelayRefusedError(status.status, status.message);
    held.start();
    await withTimeout(innerDone, remaining(deadline), () => new GatewayUnreachableError(options.gatewayId, 'the inner TLS handshake timed out'));
    return await admitted(inner, outer, options, deadline);
  } catch (error) {
    outer.destroy();
    throw error;
  }
}

function innerTlsOptions(options: DialGatewayOptions): tls.ConnectionOptions {
  return {
    ca: options.gateway.ca, cert: options.session.cert, key: options.session.key, minVersion: 'TLSv1.3',
    ALPNProtocols: [options.alpn], checkServerIdentity: pinGatewayIdentity(options.gatewayId),
  };
}

/** The handshake reached the gateway and it said no: asking the relay would change nothing. */
function isGatewayVerdict(error: unknown): boolean {
  return error instanceof GatewayPinMismatchError || error instanceof GatewayRefusedError;
}

async function admitted(inner: TLSSocket, outer: TLSSocket, options: DialGatewayOptions, deadline: number): Promise<TLSSocket> {
  try {
    await readGatewayAdmission(inner, options.gatewayId, remaining(deadline));
  } catch (error) {
    outer.destroy();
    throw error;
  }
  options.onStep?.('gateway');
  return inner;
}

function remaining(deadline: number): number {
  return Math.max(1, deadline - Date.now());
}

function connectRelay(options: DialGatewayOptions, timeoutMs: number): Promise<TLSSocket> {
  const { host, port, ca, cert, key } = options.relay;
  const address = `${host}:${port}`;
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host, port, ca, cert, key, minVersion: 'TLSv1.3', ...(net.isIP(host) ? {} : { servername: host }) });
    const timer = setTimeout(() => fail(new RelayUnreachableError(address, `no TLS connection within ${timeoutMs} ms`)), timeoutMs);
    function fail(error: PosternError): void {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    }
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      socket.off('error', onError);
      socket.setNoDelay(true);
      socket.on('error', () => undefined);
      resolve(socket);
    });
    const onError = (error: NodeJS.ErrnoException) => {
      const network = ['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT'].includes(error.code ?? '');
      fail(network ? new RelayUnreachableError(address, error.code ?? error.message) : new RelayUntrustedError(address, error.message));
    };
    socket.once('error', onError);
  });
}

/** Resolves on the inner handshake; maps its failures to what the user should know. */
function innerHandshake(inner: TLSSocket, gatewayId: string): Promise<void> {
  return new Promise((resolve, reject) => {
    inner.once('secureConnect', () => {
      inner.off('error', onError);
      inner.on('error', () => undefined);
      resolve();
    });
    const onError = (error: Error & { code?: string }) => {
      inner.on('error', () => undefined);
      reject(classifyInnerError(error, gatewayId));
    };
    inner.once('error', onError);
    inner.once('close', () => reject(new GatewayUnreachableError(gatewayId, 'the channel closed during the inner TLS handshake')));
  });
}

function classifyInnerError(error: Error & { code?: string }, gatewayId: string): PosternError {
  if (error instanceof PosternError && error.code === 'x509_wrong_identity') return new GatewayPinMismatchError(gatewayId, error.message);
  if (error instanceof X509CertificateError) return new GatewayPinMismatchError(gatewayId, error.message);
  if (/no.application.protocol/i.test(error.message)) return new GatewayRefusedError('unsupported_protocol', 'the gateway does not serve this protocol.');
  const code = error.code ?? '';
  if (/CERT|ISSUER|SIGNATURE|SELF_SIGNED/.test(code)) {
    return new GatewayPinMismatchError(gatewayId, `its certificate does not verify against your org's Gateway Server CA (${code})`);
  }
  return new GatewayUnreachableError(gatewayId, error.message);
}

/** The gateway's status frame: OK, or why it refused the session. */
async function readGatewayAdmission(inner: TLSSocket, gatewayId: string, timeoutMs: number): Promise<void> {
  const status = await readFirstFrame(inner, decodeRelayStatus, timeoutMs).catch((error: Error) => {
    throw new GatewayUnreachableError(gatewayId, `no admission answer from the gateway (${error.message})`);
  });
  if (status.status !== 'ok') {
    inner.destroy();
    throw new GatewayRefusedError(status.status, status.message);
  }
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, makeError: () => Error): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(makeError()), timeoutMs);
    promise.then((value) => { clearTimeout(timer); resolve(value); }, (error) => { clearTimeout(timer); reject(error); });
  });
}
