/**
 * The platform's way to a gateway: TLS 1.3 to the gateway's relay with a Relay PKI client
 * certificate, the first frame naming the gateway, then TLS 1.3 mutual auth inside the channel
 * with the org's platform certificate, pinned to the gateway id. The same protocol as the
 * client dialer (desktop/src/core/dialer.ts), which the server may not import; this one is
 * simpler (no pipelining: health and reachability checks are not latency-bound for users).
 */
import net from 'node:net';
import tls, { type TLSSocket } from 'node:tls';
import { PosternError } from '@postern/shared/errors';
import { pinGatewayIdentity } from '@postern/shared/pki/peer-identity';
import { decodeRelayStatus, encodeRelayRequest } from '@postern/shared/relay/frame';
import { readFirstFrame } from '@postern/shared/relay/read-frame';

export interface PlatformDialOptions {
  relay: { host: string; port: number; ca: string; cert: string; key: string };
  gatewayId: string;
  gatewayServerCa: string;
  platform: { cert: string; key: string };
  alpn: string;
  timeoutMs: number;
}

/** Why the platform could not reach a gateway; `stage` says which hop failed. */
export class PlatformDialError extends PosternError {
  constructor(readonly stage: 'relay' | 'gateway', reason: string) {
    super('gateway_unreachable', 502, `The platform could not reach the gateway (${stage}): ${reason}`, { stage });
  }
}

export async function dialGatewayAsPlatform(options: PlatformDialOptions): Promise<TLSSocket> {
  const deadline = Date.now() + options.timeoutMs;
  const left = () => Math.max(1, deadline - Date.now());
  const outer = await connectTls({
    host: options.relay.host, port: options.relay.port, ca: options.relay.ca, cert: options.relay.cert, key: options.relay.key,
    minVersion: 'TLSv1.3', ...(net.isIP(options.relay.host) ? {} : { servername: options.relay.host }),
  }, left(), 'relay');
  try {
    outer.write(encodeRelayRequest({ gatewayId: options.gatewayId }));
    const relayStatus = await readFirstFrame(outer, decodeRelayStatus, left()).catch((error: Error) => { throw new PlatformDialError('relay', error.message); });
    if (relayStatus.status !== 'ok') throw new PlatformDialError('relay', `${relayStatus.status}: ${relayStatus.message}`);
    const inner = await connectTls({
      socket: outer, ca: options.gatewayServerCa, cert: options.platform.cert, key: options.platform.key, minVersion: 'TLSv1.3',
      ALPNProtocols: [options.alpn], checkServerIdentity: pinGatewayIdentity(options.gatewayId),
    }, left(), 'gateway');
    const admission = await readFirstFrame(inner, decodeRelayStatus, left()).catch((error: Error) => { throw new PlatformDialError('gateway', error.message); });
    if (admission.status !== 'ok') throw new PlatformDialError('gateway', `${admission.status}: ${admission.message}`);
    return inner;
  } catch (error) {
    outer.destroy();
    throw error;
  }
}

function connectTls(options: tls.ConnectionOptions, timeoutMs: number, stage: 'relay' | 'gateway'): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect(options);
    const timer = setTimeout(() => fail(new Error(`no TLS connection within ${timeoutMs} ms`)), timeoutMs);
    function fail(error: Error): void {
      clearTimeout(timer);
      socket.destroy();
      reject(new PlatformDialError(stage, error.message));
    }
    socket.once('error', fail);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      socket.off('error', fail);
      socket.on('error', () => undefined);
      socket.setNoDelay?.(true);
      resolve(socket);
    });
  });
}
