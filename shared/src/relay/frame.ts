/**
 * The first frames of a relayed connection (docs/architecture.md "Relay and gateway transport").
 *
 * Request (client → relay, first bytes after the outer TLS handshake):
 *   magic "PSTR" | version u8 (1) | length u16 BE | JSON `{"gatewayId": "<id>"}` (length bytes)
 *   The dialer adds `"silentOk": true` (no status frame on success, only on refusal); a gateway's
 *   data connection (data-control.ts) sends `{"gatewayId": "<id>", "dataToken": "<hex>"}`.
 * Status (relay → client; also gateway → client as the first bytes inside the inner TLS):
 *   magic "PSTS" | version u8 (1) | status u8 | length u16 BE | UTF-8 message (length bytes)
 *
 * The codec is pure (bytes in, values out), so the relay, gateway and dialer read it from any
 * stream and the fuzz tests drive it directly. The client may send its inner ClientHello right
 * after the request: `decodeRelayRequest` reports how many bytes it consumed so the rest is kept.
 */
import { z } from 'zod';
import { RelayFrameError } from '../errors.ts';
import { PKI_ID_PATTERN } from '../pki/postern-extension.ts';

export const RELAY_PROTOCOL_VERSION = 1;
export const RELAY_REQUEST_MAGIC = Buffer.from('PSTR', 'ascii');
export const RELAY_STATUS_MAGIC = Buffer.from('PSTS', 'ascii');
/** A request body is one small JSON object; anything larger is refused before it is buffered. */
export const MAX_REQUEST_BODY_BYTES = 1024;
export const MAX_STATUS_MESSAGE_BYTES = 2048;
const REQUEST_HEADER_BYTES = 7;
const STATUS_HEADER_BYTES = 8;

/** Status codes, one meaning each, never reused. */
export const RELAY_STATUS = {
  ok: 0,
  bad_frame: 1,
  unsupported_version: 2,
  unknown_gateway: 3,
  gateway_offline: 4,
  org_mismatch: 5,
  client_certificate_refused: 6,
  session_refused: 7,
  gateway_mismatch: 8,
  unsupported_protocol: 9,
  internal_error: 10,
  data_token_refused: 11,
} as const;
export type RelayStatusName = keyof typeof RELAY_STATUS;
const STATUS_NAMES = new Map<number, RelayStatusName>(Object.entries(RELAY_STATUS).map(([name, code]) => [code, name as RelayStatusName]));

export interface RelayRequest {
  gatewayId: string;
  /** Only on a gateway's data connection: the one-time token the relay offered over the gateway's SSH tunnel. */
  dataToken?: string;
  /**
   * The client runs its inner TLS straight on the relay connection, so the relay sends a status
   * frame only to refuse; on success the gateway's bytes are the first the client reads.
   */
  silentOk?: true;
}

export interface RelayStatus {
  status: RelayStatusName;
  message: string;
}

/** Either a decoded value and how many bytes it took, or a request for more input. */
export type DecodeResult<T> = { done: true; value: T; consumed: number } | { done: false };

/** 32 random bytes, hex: what the relay hands out as a data-connection token. */
export const DATA_TOKEN_PATTERN = /^[0-9a-f]{64}$/;

const zRelayRequest = z.object({
  gatewayId: z.string().regex(PKI_ID_PATTERN), dataToken: z.string().regex(DATA_TOKEN_PATTERN).optional(), silentOk: z.literal(true).optional(),
}).strict();

export function encodeRelayRequest(request: RelayRequest): Buffer {
  const body = Buffer.from(JSON.stringify(zRelayRequest.parse(request)), 'utf8');
  const header = Buffer.alloc(REQUEST_HEADER_BYTES);
  RELAY_REQUEST_MAGIC.copy(header, 0);
  header.writeUInt8(RELAY_PROTOCOL_VERSION, 4);
  header.writeUInt16BE(body.length, 5);
  return Buffer.concat([header, body]);
}

/** Throws RelayFrameError as soon as the bytes seen so far cannot start a valid request. */
export function decodeRelayRequest(input: Uint8Array): DecodeResult<RelayRequest> {
  const bytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  checkMagic(bytes, RELAY_REQUEST_MAGIC, 'request');
  if (bytes.length < REQUEST_HEADER_BYTES) return { done: false };
  checkVersion(bytes.readUInt8(4));
  const length = bytes.readUInt16BE(5);
  if (length > MAX_REQUEST_BODY_BYTES) throw new RelayFrameError('bad_frame', `the request body is ${length} bytes, more than ${MAX_REQUEST_BODY_BYTES}`);
  if (bytes.length < REQUEST_HEADER_BYTES + length) return { done: false };
  const body = bytes.subarray(REQUEST_HEADER_BYTES, REQUEST_HEADER_BYTES + length);
  return { done: true, value: parseRequestBody(body), consumed: REQUEST_HEADER_BYTES + length };
}

function parseRequestBody(body: Buffer): RelayRequest {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    throw new RelayFrameError('bad_frame', 'the request body is not UTF-8 JSON');
  }
  const parsed = zRelayRequest.safeParse(json);
  if (!parsed.success) throw new RelayFrameError('bad_frame', 'the request body must be {"gatewayId": "<gateway id>"} (and, from a gateway, "dataToken") and nothing else');
  return parsed.data;
}

export function encodeRelayStatus(status: RelayStatus): Buffer {
  let message = Buffer.from(status.message, 'utf8');
  if (message.length > MAX_STATUS_MESSAGE_BYTES) message = message.subarray(0, MAX_STATUS_MESSAGE_BYTES);
  const header = Buffer.alloc(STATUS_HEADER_BYTES);
  RELAY_STATUS_MAGIC.copy(header, 0);
  header.writeUInt8(RELAY_PROTOCOL_VERSION, 4);
  header.writeUInt8(RELAY_STATUS[status.status], 5);
  header.writeUInt16BE(message.length, 6);
  return Buffer.concat([header, message]);
}

export function decodeRelayStatus(input: Uint8Array): DecodeResult<RelayStatus> {
  const bytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  checkMagic(bytes, RELAY_STATUS_MAGIC, 'status');
  if (bytes.length < STATUS_HEADER_BYTES) return { done: false };
  checkVersion(bytes.readUInt8(4));
  const status = STATUS_NAMES.get(bytes.readUInt8(5));
  if (!status) throw new RelayFrameError('bad_frame', `unknown status code ${bytes.readUInt8(5)}`);
  const length = bytes.readUInt16BE(6);
  if (length > MAX_STATUS_MESSAGE_BYTES) throw new RelayFrameError('bad_frame', `the status message is ${length} bytes, more than ${MAX_STATUS_MESSAGE_BYTES}`);
  if (bytes.length < STATUS_HEADER_BYTES + length) return { done: false };
  const message = bytes.subarray(STATUS_HEADER_BYTES, STATUS_HEADER_BYTES + length).toString('utf8');
  return { done: true, value: { status, message }, consumed: STATUS_HEADER_BYTES + length };
}

function checkMagic(bytes: Buffer, magic: Buffer, what: string): void {
  const seen = Math.min(bytes.length, magic.length);
  if (!bytes.subarray(0, seen).equals(magic.subarray(0, seen))) {
    throw new RelayFrameError('bad_frame', `the ${what} does not start with "${magic.toString('ascii')}"; this is not a Postern relay connection`);
  }
}

function checkVersion(version: number): void {
  if (version !== RELAY_PROTOCOL_VERSION) {
    throw new RelayFrameError('unsupported_version', `protocol version ${version} is not supported (this end speaks ${RELAY_PROTOCOL_VERSION}); upgrade the older side`);
  }
}
