import { PosternError } from '../errors.ts';

/**
 * Errors of the Kubernetes stream parsers. They live here rather than in shared/src/errors.ts so
 * this area's commits never carry another engineer's half-finished edits of that file.
 */

/** Bytes on a SPDY/3.1 connection (kubectl exec, attach, port-forward) that do not follow the framing. */
export class SpdyProtocolError extends PosternError {
  constructor(problem: string) {
    super('spdy_protocol_error', 502, `Malformed SPDY/3.1 data: ${problem}.`);
  }
}

/** Bytes on a WebSocket connection (RFC 6455) that do not follow the framing. */
export class WebSocketProtocolError extends PosternError {
  constructor(problem: string) {
    super('websocket_protocol_error', 502, `Malformed WebSocket data: ${problem}.`);
  }
}
