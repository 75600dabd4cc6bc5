/**
 * Many SSH sessions at once, each an exec channel running `cat` on the target: open them with
 * bounded concurrency (so the handshake storm is measured apart from the steady state), then
 * every session does its round trips at the same time, then all close. Failures are counted
 * by type, never thrown: a benchmark of 1000 sessions reports how many failed and why.
 */
import type { Client as Ssh2Client, ClientChannel } from 'ssh2';

export interface EchoSession {
  client: Ssh2Client;
  channel: ClientChannel;
}

export interface OpenSession extends EchoSession {
  /** Resolves when the connection has closed, whoever closed it. */
  closed: Promise<void>;
}

/** Error type → how many times it happened. */
export type ErrorTally = Map<string, number>;

export interface OpenedSessions {
  sessions: OpenSession[];
  errors: ErrorTally;
  /** Wall time from the first open to the last one settled. */
  totalMs: number;
  /** Each successful open, ms. */
  openMs: number[];
}

const STEP_TIMEOUT_MS = 60_000;
const READY_ECHO_BYTES = 16;

/** A short, stable name for an error: class, code, and the message with numbers blanked out. */
export function errorType(error: unknown): string {
  if (!(error instanceof Error)) return `non-error: ${String(error).slice(0, 60)}`;
  const code = (error as { code?: unknown }).code;
  const message = error.message.replace(/\d+/g, 'N').slice(0, 90);
  return `${error.name}${typeof code === 'string' ? `(${code})` : ''}: ${message}`;
}

export function tally(errors: ErrorTally, error: unknown): void {
  const type = errorType(error);
  errors.set(type, (errors.get(type) ?? 0) + 1);
}

export function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms); });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Runs `cat` on an exec channel of a ready client. */
export function execCat(client: Ssh2Client): Promise<ClientChannel> {
  return new Promise((resolve, reject) => client.exec('cat', (error, channel) => (error ? reject(error) : resolve(channel))));
}

/**
 * Opens `count` sessions, `concurrency` at a time, each until its first echo has come back.
 * `open` must give a session with its exec channel or reject (closing what it opened); each
 * failure is counted here.
 */
export async function openSessions(count: number, concurrency: number, open: (index: number) => Promise<EchoSession>): Promise<OpenedSessions> {
  const sessions: OpenSession[] = [];
  const errors: ErrorTally = new Map();
  const openMs: number[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < count) {
      const index = next++;
      const began = performance.now();
      try {
        const session = await withTimeout(open(index), STEP_TIMEOUT_MS, 'opening a session');
        session.channel.on('error', () => undefined);
        const closed = new Promise<void>((resolve) => session.client.once('close', () => resolve()));
        // Open means echoing: an SSH server may accept the exec before the command runs (the
        // gateway's bridge does, and logs in to the target meanwhile), so one echo ends the open.
        await echoRoundTrips(session.channel, 1, READY_ECHO_BYTES, index).catch((error: unknown) => {
          session.client.end();
          throw error;
        });
        sessions.push({ ...session, closed });
        openMs.push(performance.now() - began);
      } catch (error) {
        tally(errors, error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return { sessions, errors, totalMs: performance.now() - started, openMs };
}

/** `roundTrips` sequential echoes of `bytes` bytes on one channel; the round-trip times in ms. */
async function echoRoundTrips(channel: ClientChannel, roundTrips: number, bytes: number, seed: number): Promise<number[]> {
  const samples: number[] = [];
  for (let trip = 0; trip < roundTrips; trip++) {
    const message = Buffer.alloc(bytes, (seed + trip) % 251);
    const started = performance.now();
    const echoed = await withTimeout(readBytes(channel, message), STEP_TIMEOUT_MS, 'a round trip');
    if (!echoed.equals(message)) throw new Error('the echo came back different');
    samples.push(performance.now() - started);
  }
  return samples;
}

function readBytes(channel: ClientChannel, message: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      if (received >= message.length) done(() => resolve(Buffer.concat(chunks)));
    };
    const onClose = () => done(() => reject(new Error(`the channel closed after ${received}/${message.length} echoed bytes`)));
    const done = (settle: () => void) => { channel.off('data', onData); channel.off('close', onClose); settle(); };
    channel.on('data', onData);
    channel.once('close', onClose);
    channel.write(message);
  });
}

export interface EchoResult {
  /** Every round trip of every session, ms. */
  samples: number[];
  /**
   * The round trips after each session's first `settleTrips`: all sessions start echoing at the
   * same instant, so the first trips queue behind each other and run cold code; these do not.
   */
  settled: number[];
  errors: ErrorTally;
}

/** Every session echoes at once; the samples of all sessions together, and the failures. */
export async function echoAll(sessions: EchoSession[], roundTrips: number, bytes: number, settleTrips = 0): Promise<EchoResult> {
  const result: EchoResult = { samples: [], settled: [], errors: new Map() };
  await Promise.all(sessions.map(async ({ channel }, index) => {
    try {
      const samples = await echoRoundTrips(channel, roundTrips, bytes, index);
      result.samples.push(...samples);
      result.settled.push(...samples.slice(settleTrips));
    } catch (error) {
      tally(result.errors, error);
    }
  }));
  return result;
}

/** Ends every session and waits (bounded) for each connection to close. */
export async function closeSessions(sessions: OpenSession[], timeoutMs = 30_000): Promise<void> {
  for (const { client, channel } of sessions) {
    channel.end();
    client.end();
  }
  const settled = await withTimeout(Promise.all(sessions.map((session) => session.closed)), timeoutMs, 'closing sessions').then(() => true, () => false);
  if (!settled) for (const { client } of sessions) client.destroy();
}
