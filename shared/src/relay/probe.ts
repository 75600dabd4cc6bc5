/**
 * The `postern-probe` protocol (platform → gateway, inside the inner TLS): one JSON line each
 * way. The platform asks "can you reach host:port?" (and, for SSH resources, "which host key
 * does it present?"); the gateway answers ok + the connect time + the keys, or the error.
 * Lines are capped so a peer cannot make the other buffer without bound.
 */
import { z } from 'zod';

export const MAX_PROBE_LINE_BYTES = 16 * 1024;

export const zProbeRequest = z.object({
  host: z.string().min(1).max(253),
  port: z.number().int().min(1).max(65_535),
  /** Also read the SSH host key(s) the target presents. */
  sshHostKey: z.boolean().default(false),
  timeoutMs: z.number().int().min(100).max(30_000).default(5_000),
}).strict();
export type ProbeRequest = z.input<typeof zProbeRequest>;

export const zProbeAnswer = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), connectMs: z.number(), sshHostKeys: z.array(z.string()).optional() }),
  z.object({ ok: z.literal(false), error: z.string(), connectMs: z.number().optional() }),
]);
export type ProbeAnswer = z.infer<typeof zProbeAnswer>;

export function encodeProbeLine(value: ProbeRequest | ProbeAnswer): Buffer {
  return Buffer.from(`${JSON.stringify(value)}\n`, 'utf8');
}

/** Splits off the first line of `buffered`; undefined while incomplete; throws past the cap. */
export function takeProbeLine(buffered: Buffer): { line: string; rest: Buffer } | undefined {
  const end = buffered.indexOf(0x0a);
  if (end < 0) {
    if (buffered.length > MAX_PROBE_LINE_BYTES) throw new Error(`probe line longer than ${MAX_PROBE_LINE_BYTES} bytes`);
    return undefined;
  }
  if (end > MAX_PROBE_LINE_BYTES) throw new Error(`probe line longer than ${MAX_PROBE_LINE_BYTES} bytes`);
  return { line: buffered.subarray(0, end).toString('utf8'), rest: buffered.subarray(end + 1) };
}

/** Reads one line from a stream (bounded by size and time), then stops listening. */
export function readProbeLine(stream: NodeJS.ReadableStream, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const timer = setTimeout(() => finish(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      try {
        const taken = takeProbeLine(buffered);
        if (taken) finish(undefined, taken.line);
      } catch (error) {
        finish(error as Error);
      }
    };
    const onEnd = () => finish(new Error('the stream ended before a full line'));
    function finish(error: Error | undefined, line?: string): void {
      clearTimeout(timer);
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('close', onEnd);
      if (error) reject(error);
      else resolve(line!);
    }
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('close', onEnd);
  });
}
