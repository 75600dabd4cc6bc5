import { STATUS_CODES, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Duplex } from 'node:stream';
import { ExecStreamRecorder } from '@postern/shared/kubernetes/exec-recording';
import { CommandLogEntry } from './command-log.ts';
import type { ProxyConnection } from './context.ts';
import { impersonationRefusal } from './http-proxy.ts';
import { downstreamResponseHeaders, gatewayErrorContentType, impersonationHeaders, upstreamFailure, upstreamRequestHeaders, upstreamRequestOptions } from './upstream.ts';
import { pipeCoalesced } from '@postern/shared/streams/coalesced-pipe';
import { holdWhileBehind } from '../recording/hold-while-behind.ts';

/** After one side closes, the other gets this long to flush before it is cut. */
const halfCloseGraceMs = 5_000;

function rawHead(statusCode: number, headerLines: string[]): string {
  return `HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode] ?? ''}\r\n${headerLines.map((line) => `${line}\r\n`).join('')}\r\n`;
}

function pairs(rawHeaders: string[]): string[] {
  const lines: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) lines.push(`${rawHeaders[i]}: ${rawHeaders[i + 1]}`);
  return lines;
}

/** A refused upgrade is answered as a plain response on the raw socket, then the connection ends. */
function answerRaw(socket: Duplex, entry: CommandLogEntry, code: number, message: string): void {
  const body = `${message}\n`;
  entry.status = code;
  entry.error = message;
  entry.bytesOut = Buffer.byteLength(body);
  socket.end(rawHead(code, [`Content-Type: ${gatewayErrorContentType}`, `Content-Length: ${Buffer.byteLength(body)}`, 'Connection: close']) + body);
  entry.finish();
}

/** The API server said no to the upgrade (401, 403, 400…): its answer goes back as it is, and the connection ends. */
function forwardRefusal(socket: Duplex, upstreamRes: IncomingMessage, entry: CommandLogEntry): void {
  entry.status = upstreamRes.statusCode ?? 502;
  const headers = downstreamResponseHeaders(upstreamRes.headers);
  delete headers['content-length'];
  const lines = Object.entries(headers).flatMap(([name, value]) => (Array.isArray(value) ? value : [String(value)]).map((v) => `${name}: ${v}`));
  socket.write(rawHead(entry.status, [...lines, 'Connection: close']));
  upstreamRes.on('data', (chunk: Buffer) => { entry.bytesOut += chunk.length; });
  upstreamRes.pipe(socket);
  upstreamRes.on('end', () => entry.finish());
  upstreamRes.on('error', () => socket.destroy());
}

/** exec and attach are recorded as a terminal; port-forward carries the user's own bytes and is logged only as a request. */
function execRecorderFor(entry: CommandLogEntry, upstreamRes: IncomingMessage, conn: ProxyConnection): ExecStreamRecorder | undefined {
  const { subresource } = entry.info;
  if (subresource !== 'exec' && subresource !== 'attach') return undefined;
  const websocket = String(upstreamRes.headers.upgrade ?? '').toLowerCase() === 'websocket';
  const protocol = String((websocket ? upstreamRes.headers['sec-websocket-protocol'] : upstreamRes.headers['x-stream-protocol-version']) ?? '');
  const command = entry.query.getAll('command').join(' ');
  const terminal = conn.ctx.recorder.openTerminal({ cols: 80, rows: 24, ...(command ? { command } : {}) });
  return new ExecStreamRecorder({
    transport: websocket ? 'websocket' : 'spdy', protocol, terminal,
    onError: (error) => conn.ctx.logger.warn({ sessionId: conn.ctx.sessionId, error: String(error) }, 'kubectl exec stream not recorded: unreadable frames'),
  });
}

interface SpliceEnds {
  client: Duplex;
  server: Duplex;
  clientHead: Buffer;
  serverHead: Buffer;
}

/** Pipes the upgraded connection both ways, counting and recording copies of the bytes, until both ends close. */
function splice(ends: SpliceEnds, entry: CommandLogEntry, recorder: ExecStreamRecorder | undefined, conn: ProxyConnection): void {
  const { client, server } = ends;
  const fromClient = (chunk: Buffer) => { entry.bytesIn += chunk.length; recorder?.fromClient(chunk); };
  const fromServer = (chunk: Buffer) => { entry.bytesOut += chunk.length; recorder?.fromServer(chunk); };
  if (ends.serverHead.length) { fromServer(ends.serverHead); client.write(ends.serverHead); }
  if (ends.clientHead.length) { fromClient(ends.clientHead); server.write(ends.clientHead); }
  client.on('data', fromClient);
  server.on('data', fromServer);
  pipeCoalesced(client, server);
  pipeCoalesced(server, client);
  // A recorded exec holds the API server's output while the recorder is behind (port-forward is not recorded).
  const flow = recorder ? conn.ctx.recorder.flow : undefined;
  if (flow) holdWhileBehind([{ source: server, destination: client, connect: () => pipeCoalesced(server, client) }], flow, () => !client.destroyed && !server.destroyed);
  const untrack = conn.track(() => { client.destroy(); server.destroy(); });
  let open = 2;
  const closed = () => {
    open -= 1;
    if (open > 0) return;
    untrack();
    recorder?.finish();
    entry.finish();
  };
  // Ending (not destroying) lets the last frames, such as the exit Status, reach kubectl.
  const closeOther = (other: Duplex) => () => {
    if (!other.writableEnded) other.end();
    setTimeout(() => other.destroy(), halfCloseGraceMs).unref();
  };
  client.on('close', closeOther(server));
  server.on('close', closeOther(client));
  client.on('close', closed);
  server.on('close', closed);
  client.on('error', () => client.destroy());
  server.on('error', () => server.destroy());
}

/** Forwards an upgrade (exec, attach, port-forward over WebSocket or SPDY/3.1) and then the bytes both ways. */
export function proxyUpgradeRequest(req: IncomingMessage, client: Duplex, clientHead: Buffer, conn: ProxyConnection): void {
  const { ctx } = conn;
  // Bytes the client sends before the API server answers must wait for the splice, not be dropped.
  client.pause();
  const entry = new CommandLogEntry(req, ctx.recorder);
  const ended = conn.endedMessage();
  if (ended) return answerRaw(client, entry, 403, ended);
  const impersonating = impersonationHeaders(req.headers);
  if (impersonating.length > 0 && !ctx.allowImpersonation) return answerRaw(client, entry, 403, impersonationRefusal(impersonating));
  const headers = upstreamRequestHeaders(req.headers, ctx.token, true);
  const upstream = httpsRequest(upstreamRequestOptions(ctx.target, req.method ?? 'GET', req.url ?? '/', headers, conn.agent));
  const untrack = conn.track(() => {
    const message = conn.endedMessage();
    if (message && !client.writableEnded) answerRaw(client, entry, 403, message);
    upstream.destroy();
  });
  upstream.on('upgrade', (upstreamRes, server, serverHead) => {
    untrack();
    entry.status = upstreamRes.statusCode ?? 101;
    // kubectl gave up while the API server was answering: nothing to splice to.
    if (client.destroyed) {
      server.destroy();
      entry.finish();
      return;
    }
    client.write(rawHead(entry.status, pairs(upstreamRes.rawHeaders)));
    splice({ client, server, clientHead, serverHead }, entry, execRecorderFor(entry, upstreamRes, conn), conn);
  });
  upstream.on('response', (upstreamRes) => forwardRefusal(client, upstreamRes, entry));
  upstream.on('error', (error: NodeJS.ErrnoException) => {
    if (client.writableEnded) return;
    const failure = upstreamFailure(error, ctx.target);
    ctx.logger.warn({ sessionId: ctx.sessionId, code: error.code }, 'kubernetes API server upgrade failed');
    answerRaw(client, entry, failure.code, failure.message);
  });
  upstream.end();
}
