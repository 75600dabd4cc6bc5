/**
 * `--local-port`: a TCP listener on 127.0.0.1 whose every connection is a fresh authenticated
 * stream to the gateway's SSH bridge, so the user's own ssh, scp and sftp speak SSH to the
 * gateway directly. Bytes are passed through untouched: no extra crypto layer on this hop.
 */
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { pipeCoalesced } from '@postern/shared/streams/coalesced-pipe';

export interface LocalForwarderOptions {
  /** 0 picks a free port. */
  port: number;
  host?: string;
  /** Opens one stream to the gateway (ALPN postern-ssh). */
  dial: () => Promise<Duplex>;
  /** Told when a connection could not reach the gateway (the user's ssh just sees it close). */
  onDialError?: (error: Error) => void;
  onConnection?: (event: 'open' | 'close') => void;
}

export interface LocalForwarder {
  host: string;
  port: number;
  /** Stops listening and closes every open connection. */
  close(): Promise<void>;
}

export async function serveLocalSshPort(options: LocalForwarderOptions): Promise<LocalForwarder> {
  const host = options.host ?? '127.0.0.1';
  const open = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    open.add(socket);
    socket.setNoDelay(true);
    socket.once('close', () => {
      open.delete(socket);
      options.onConnection?.('close');
    });
    socket.on('error', () => socket.destroy());
    socket.pause();
    options.onConnection?.('open');
    options.dial().then((upstream) => {
      if (socket.destroyed) return upstream.destroy();
      upstream.on('error', () => socket.destroy());
      upstream.once('close', () => socket.destroy());
      socket.once('close', () => upstream.destroy());
      pipeCoalesced(socket, upstream);
      pipeCoalesced(upstream, socket);
      socket.resume();
    }, (error: Error) => {
      options.onDialError?.(error);
      socket.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as net.AddressInfo;
  return {
    host,
    port: address.port,
    close: () => new Promise((resolve) => {
      for (const socket of open) socket.destroy();
      server.close(() => resolve());
    }),
  };
}
