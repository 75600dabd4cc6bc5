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

/**
 * A protocol's own admission of a session peer, replacing the generic session check: one server
 * call that both proves the session active and fetches what the handler needs (kept for the
 * handler by stream). Resolves true to admit, false when the session is not active; a throw
 * means the server could not be asked (the peer is refused, fail closed).
 */
export type AlpnSessionAdmission = (stream: TLSSocket, session: SessionParameters) => Promise<boolean>;

export class AlpnHandlerRegistry {
  readonly #handlers = new Map<string, AlpnHandler>();
  readonly #admissions = new Map<string, AlpnSessionAdmission>();

  register(protocol: string, handler: AlpnHandler, admission?: AlpnSessionAdmission): this {
    if (this.#handlers.has(protocol)) throw new Error(`ALPN protocol ${protocol} already has a handler`);
    this.#handlers.set(protocol, handler);
    if (admission) this.#admissions.set(protocol, admission);
    return this;
  }

  get(protocol: string | false | null | undefined): AlpnHandler | undefined {
    return protocol ? this.#handlers.get(protocol) : undefined;
  }

  /** The protocol's own session admission, when it has one (otherwise the gateway's session check applies). */
  admission(protocol: string | false | null | undefined): AlpnSessionAdmission | undefined {
    return protocol ? this.#admissions.get(protocol) : undefined;
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
