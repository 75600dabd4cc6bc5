/**
 * The control channel of a gateway's data connections (docs/architecture.md, "Data connections").
 * The relay opens it in the gateway's SSH tunnel (a forwarded channel whose originator address is
 * DATA_CONTROL_ORIGIN) and sends JSON lines: first where to dial and which TLS certificate to pin
 * (the SSH tunnel already proved the relay's identity, so its word on its own certificate is
 * trusted), then one-time tokens. The gateway answers each token with one TLS connection to the
 * relay that presents it in its first frame.
 */
import { z } from 'zod';
import { RelayFrameError } from '../errors.ts';
import { DATA_TOKEN_PATTERN } from './frame.ts';

/** The originator address the relay gives the control channel; client channels carry a real IP. */
export const DATA_CONTROL_ORIGIN = 'postern-data-control';
const MAX_LINE_BYTES = 1024;

const zDataControlMessage = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('endpoint'),
    tlsPort: z.number().int().min(1).max(65535),
    /** The relay TLS certificate's SHA-256, as node:crypto's X509Certificate.fingerprint256 prints it. */
    certSha256: z.string().regex(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/),
  }).strict(),
  z.object({ type: z.literal('token'), token: z.string().regex(DATA_TOKEN_PATTERN) }).strict(),
]);
export type DataControlMessage = z.infer<typeof zDataControlMessage>;

export function encodeDataControl(message: DataControlMessage): Buffer {
  return Buffer.from(`${JSON.stringify(zDataControlMessage.parse(message))}\n`, 'utf8');
}

/** Splits the channel's bytes into messages; throws RelayFrameError on a line that is too long or not a message. */
export class DataControlReader {
  #partial = '';

  push(chunk: Buffer): DataControlMessage[] {
    const lines = (this.#partial + chunk.toString('utf8')).split('\n');
    this.#partial = lines.pop() ?? '';
    if (this.#partial.length > MAX_LINE_BYTES) throw new RelayFrameError('bad_frame', `a data control line is longer than ${MAX_LINE_BYTES} bytes`);
    return lines.map(parseLine);
  }
}

function parseLine(line: string): DataControlMessage {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    throw new RelayFrameError('bad_frame', 'a data control line is not JSON');
  }
  const parsed = zDataControlMessage.safeParse(json);
  if (!parsed.success) throw new RelayFrameError('bad_frame', `a data control line is not an endpoint or token message (${parsed.error.issues[0]?.message ?? 'invalid'})`);
  return parsed.data;
}
