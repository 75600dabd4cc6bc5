/**
 * ALPN protocol → handler for the inner TLS. The gateway offers exactly the registered names;
 * `postern-ping` (echo) is built in, the SSH and Kubernetes bridges register `postern-ssh` and
 * `postern-k8s`. A handler receives the authenticated inner TLS stream after the gateway has
 * admitted the peer and sent the OK status, and owns the stream from then on.
 */
import type { TLSSocket } from 'node:tls';
import { ALPN_PROTOCOLS } from '@postern/shared/relay/alpn';
import type { SessionParameters } from '@postern/shared/pki/peer-identity';
import { pipeCoalesced } from '@postern/shared/streams/coalesced-pipe';

/** Who is on the other end, as read from the verified client certificate. */
export type InnerPeer =
  | { kind: 'session'; session: SessionParameters }
  | { kind: 'platform'; orgId: string };

export type AlpnHandler = (stream: TLSSocket, peer: InnerPeer) => void;

export class AlpnHandlerRegistry {
  readonly #handlers = new Map<string, AlpnHandler>();

  register(protocol: string, handler: AlpnHandler): this {
    if (this.#handlers.has(protocol)) throw new Error(`ALPN protocol ${protocol} already has a handler`);
    this.#handlers.set(protocol, handler);
    return this;
  }

  get(protocol: string | false | null | undefined): AlpnHandler | undefined {
    return protocol ? this.#handlers.get(protocol) : undefined;
  }

  protocols(): string[] {
    return [...this.#handlers.keys()];
  }
}

/** Echoes every byte back; ends when the client ends. */
export const pingHandler: AlpnHandler = (stream) => {
  pipeCoalesced(stream, stream);
};

/** A registry with the built-in handlers; callers add theirs. */
export function defaultAlpnHandlers(): AlpnHandlerRegistry {
  return new AlpnHandlerRegistry().register(ALPN_PROTOCOLS.ping, pingHandler);
}
