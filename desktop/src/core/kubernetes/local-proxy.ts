import { createServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { LocalProxyListenError } from './errors.ts';
import { pipeCoalesced } from '@postern/shared/streams/coalesced-pipe';

export interface LocalKubeProxyOptions {
  /** Loopback only: the proxy adds the session's authority to whatever connects. */
  host?: string;
  /** 0 or absent: a free port. */
  port?: number;
  /** Opens one authenticated stream to the gateway (ALPN postern-k8s). */
  openStream: () => Promise<Duplex>;
  /** The session's end: the proxy closes then. */
  expiresAt?: Date;
  /** Keep one stream dialled ahead so kubectl's next connection does not wait for the relay and TLS handshakes. */
  preDial?: boolean;
  onError?: (error: unknown) => void;
  /** Told once when the proxy has closed, whatever closed it. */
  onClose?: (reason: 'stopped' | 'expired') => void;
}

export interface LocalKubeProxy {
  host: string;
  port: number;
  /** What the kubeconfig's cluster server points at. */
  url: string;
  close(): Promise<void>;
  closed: Promise<'stopped' | 'expired'>;
}

const halfCloseGraceMs = 5_000;
const maxTimerMs = 2 ** 31 - 1;

/** What kubectl shows when the gateway cannot be reached: an HTTP answer with a Status, not a reset connection. */
function answerUnreachable(socket: Socket, error: unknown): void {
  const message = `Postern: cannot open a connection to the gateway (${error instanceof Error ? error.message : String(error)}); check the session is still active, or start a new one.`;
  const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'ServiceUnavailable', code: 503 });
  socket.end(`HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/** Pipes two streams both ways; when one closes the other is ended, then cut after a grace period. */
function spliceStreams(a: Duplex, b: Duplex): void {
  pipeCoalesced(a, b);
  pipeCoalesced(b, a);
  const closeOther = (other: Duplex) => () => {
    if (!other.writableEnded) other.end();
    setTimeout(() => other.destroy(), halfCloseGraceMs).unref();
  };
  a.on('close', closeOther(b));
  b.on('close', closeOther(a));
  a.on('error', () => a.destroy());
  b.on('error', () => b.destroy());
}

/** Hands out gateway streams, keeping one dialled ahead when asked to. */
class StreamSource {
  private spare: Promise<Duplex> | undefined;
  private stopped = false;

  constructor(private readonly openStream: () => Promise<Duplex>, private readonly preDial: boolean, private readonly onError: (error: unknown) => void) {
    if (preDial) this.refill();
  }

  async take(): Promise<Duplex> {
    const spare = this.spare;
    this.spare = undefined;
    if (this.preDial) this.refill();
    if (spare) {
      const stream = await spare.catch(() => undefined);
      if (stream && !stream.destroyed && stream.readable && stream.writable) return stream;
    }
    return this.openStream();
  }

  stop(): void {
    this.stopped = true;
    void this.spare?.then((stream) => stream.destroy(), () => undefined);
    this.spare = undefined;
  }

  private refill(): void {
    if (this.stopped) return;
    const dialing = this.openStream();
    this.spare = dialing;
    dialing.then((stream) => {
      if (this.stopped) return void stream.destroy();
      // A spare the gateway or relay closed is forgotten; the next connection dials afresh.
      stream.once('close', () => { if (this.spare === dialing) this.spare = undefined; });
      stream.on('error', () => undefined);
    }, (error: unknown) => {
      if (this.spare === dialing) this.spare = undefined;
      this.onError(error);
    });
  }
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (error) => reject(new LocalProxyListenError(host, port, error.message)));
    server.listen(port, host, () => resolve((server.address() as { port: number }).port));
  });
}

/**
 * A plain-HTTP endpoint on loopback for kubectl: every TCP connection kubectl opens is piped
 * byte for byte over its own fresh gateway stream. The gateway speaks HTTP on that stream, so
 * this side needs no HTTP parser, and upgrades (exec, port-forward) pass through untouched.
 */
export async function startLocalKubeProxy(options: LocalKubeProxyOptions): Promise<LocalKubeProxy> {
  const host = options.host ?? '127.0.0.1';
  const onError = options.onError ?? (() => undefined);
  const sockets = new Set<Duplex>();
  const source = new StreamSource(options.openStream, options.preDial ?? true, onError);
  const server = createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.pause();
    source.take().then((stream) => {
      if (socket.destroyed) return void stream.destroy();
      sockets.add(stream);
      stream.on('close', () => sockets.delete(stream));
      spliceStreams(socket, stream);
    }, (error: unknown) => {
      onError(error);
      answerUnreachable(socket, error);
    });
  });
  const port = await listen(server, host, options.port ?? 0);
  let resolveClosed!: (reason: 'stopped' | 'expired') => void;
  const closed = new Promise<'stopped' | 'expired'>((resolve) => { resolveClosed = resolve; });
  let expiryTimer: NodeJS.Timeout | undefined;
  const shutdown = (reason: 'stopped' | 'expired') => {
    if (!server.listening) return Promise.resolve();
    clearTimeout(expiryTimer);
    source.stop();
    const done = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    return done.then(() => {
      options.onClose?.(reason);
      resolveClosed(reason);
    });
  };
  if (options.expiresAt) {
    const arm = (): void => {
      const wait = options.expiresAt!.getTime() - Date.now();
      expiryTimer = wait > maxTimerMs ? setTimeout(arm, maxTimerMs) : setTimeout(() => void shutdown('expired'), Math.max(0, wait));
    };
    arm();
  }
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return { host, port, url: `http://${urlHost}:${port}`, close: () => shutdown('stopped'), closed };
}
