import type { IncomingMessage, ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { CommandLogEntry } from './command-log.ts';
import type { ProxyConnection } from './context.ts';
import {
  downstreamResponseHeaders, gatewayErrorContentType, impersonationHeaders, upstreamFailure, upstreamRequestHeaders, upstreamRequestOptions,
} from './upstream.ts';

/** Answers the client itself (refusals, unreachable API server). */
export function answerWithError(res: ServerResponse, entry: CommandLogEntry, code: number, message: string): void {
  const body = `${message}\n`;
  entry.status = code;
  entry.error = message;
  entry.bytesOut = Buffer.byteLength(body);
  res.writeHead(code, { 'content-type': gatewayErrorContentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * The session is over: the request is answered with why, and the connection closes after it.
 * kubectl prints the message and stops; a dropped connection instead makes it retry for seconds.
 */
export function answerSessionEnded(res: ServerResponse, entry: CommandLogEntry, message: string): void {
  res.setHeader('connection', 'close');
  answerWithError(res, entry, 403, message);
}

export function impersonationRefusal(headers: string[]): string {
  return `Postern gateway: this session does not allow impersonation (${headers.join(', ')}); `
    + 'drop --as/--as-group, or ask an administrator to allow impersonation on the resource.';
}

/**
 * Forwards one plain request. Bodies stream both ways as they come: a watch or `logs -f`
 * reaches kubectl chunk by chunk, because nothing here waits for the end of a body.
 */
export function proxyHttpRequest(req: IncomingMessage, res: ServerResponse, conn: ProxyConnection): void {
  const { ctx } = conn;
  const entry = new CommandLogEntry(req, ctx.recorder);
  res.on('close', () => entry.finish());
  const ended = conn.endedMessage();
  if (ended) {
    req.resume();
    return answerSessionEnded(res, entry, ended);
  }
  const impersonating = impersonationHeaders(req.headers);
  if (impersonating.length > 0 && !ctx.allowImpersonation) {
    req.resume();
    return answerWithError(res, entry, 403, impersonationRefusal(impersonating));
  }
  const headers = upstreamRequestHeaders(req.headers, ctx.token, false);
  const upstream = httpsRequest(upstreamRequestOptions(ctx.target, req.method ?? 'GET', req.url ?? '/', headers, conn.agent));
  const untrack = conn.track(() => {
    // Still waiting for the API server: kubectl gets why. A response under way is cut, so a watch or `logs -f` ends.
    const message = conn.endedMessage();
    if (message && !res.headersSent) answerSessionEnded(res, entry, message);
    else res.destroy();
    upstream.destroy();
  });
  upstream.on('response', (upstreamRes) => {
    entry.status = upstreamRes.statusCode ?? 502;
    res.writeHead(entry.status, downstreamResponseHeaders(upstreamRes.headers));
    // Headers go out now: a watch may send its first event only minutes later.
    res.flushHeaders();
    upstreamRes.on('data', (chunk: Buffer) => { entry.bytesOut += chunk.length; });
    upstreamRes.pipe(res);
    upstreamRes.on('error', () => res.destroy());
  });
  upstream.on('error', (error: NodeJS.ErrnoException) => {
    if (res.writableEnded) return;
    if (res.headersSent) return void res.destroy();
    const failure = upstreamFailure(error, ctx.target);
    ctx.logger.warn({ sessionId: ctx.sessionId, code: error.code, path: entry.info.resource }, 'kubernetes API server request failed');
    answerWithError(res, entry, failure.code, failure.message);
  });
  upstream.on('close', untrack);
  req.on('data', (chunk: Buffer) => { entry.bytesIn += chunk.length; });
  req.pipe(upstream);
  // The client gave up (kubectl ^C on a watch): stop the API server's side too.
  res.on('close', () => { if (!res.writableFinished) upstream.destroy(); });
}
