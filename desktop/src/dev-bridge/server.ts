import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { dispatchBridgeCall } from '../common/bridge-dispatch.ts';
import type { BridgeEvent, BridgeEvents, BridgeHandlers } from '../common/bridge.ts';
import { CONTENT_SECURITY_POLICY } from '../main/security.ts';

/**
 * The dev bridge: serves the built renderer to a plain browser and implements the bridge over
 * HTTP (calls) and a WebSocket (events), through the same dispatchBridgeCall entry point as
 * Electron's main process. For browser tests and UI work on machines without Electron; it
 * listens on loopback only.
 */

export interface DevBridge {
  url: string;
  emit<E extends BridgeEvent>(event: E, payload: BridgeEvents[E]): void;
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.woff2': 'font/woff2', '.json': 'application/json',
};
const MAX_CALL_BYTES = 1024 * 1024;

export async function startDevBridge(options: { rendererDir: string; handlers: BridgeHandlers; port?: number }): Promise<DevBridge> {
  const sockets = new Set<WebSocket>();
  const server = createServer((request, response) => {
    handle(request, response, options).catch((error: unknown) => {
      response.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
    });
  });
  const events = new WebSocketServer({ server, path: '/bridge/events' });
  events.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    emit(event, payload) {
      for (const socket of sockets) socket.send(JSON.stringify({ event, payload }));
    },
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.terminate();
      events.close();
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

async function handle(request: IncomingMessage, response: ServerResponse, options: { rendererDir: string; handlers: BridgeHandlers }) {
  const url = new URL(request.url ?? '/', 'http://127.0.0.1');
  if (request.method === 'POST' && url.pathname === '/bridge/call') {
    const { method, arg } = JSON.parse(await readBody(request)) as { method: unknown; arg: unknown };
    const reply = await dispatchBridgeCall(options.handlers, method, arg);
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(reply));
    return;
  }
  if (request.method !== 'GET') {
    response.writeHead(405).end();
    return;
  }
  const relative = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname).slice(1);
  const file = normalize(join(options.rendererDir, relative));
  if (!file.startsWith(normalize(options.rendererDir) + sep)) {
    response.writeHead(404).end();
    return;
  }
  try {
    const body = await readFile(file);
    response.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'cache-control': 'no-store',
    }).end(body);
  } catch {
    response.writeHead(404).end();
  }
}

async function readBody(request: IncomingMessage): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_CALL_BYTES) throw new Error('bridge call too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
