import { once } from 'node:events';
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApiServerTls } from '../../../test/fixtures/kube-apiserver/tls.ts';
import type { SessionEvent } from '@postern/shared/recording/recorder';
import { NO_RECORDING } from '@postern/shared/recording/recorder';
import { silentLogger } from '../logger.ts';
import { SessionEndedByServer } from '../ssh/termination-watch.ts';
import type { KubernetesConnectionContext } from './context.ts';
import { handleKubernetesConnection } from './proxy.ts';

/**
 * The gateway handler against a small HTTPS server that stands in for the API server, over real
 * sockets: what reaches the API server, streaming without buffering, expiry, refusals.
 */
let upstream: HttpsServer;
let upstreamUrl: string;
let caPem: string;
let onRequest: (req: IncomingMessage, res: ServerResponse) => void;
const seen: { headers: IncomingHttpHeaders; body: string }[] = [];

let front: Server;
let frontPort: number;
let ctx: KubernetesConnectionContext;
const events: SessionEvent[] = [];
const frontSockets = new Set<Socket>();

function send(method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; body: string; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: frontPort, method, path, headers, agent: false }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => { text += d.toString(); });
      res.on('end', () => resolve({ status: res.statusCode!, body: text, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('gateway Kubernetes handler', () => {
  beforeAll(async () => {
    const tls = await createApiServerTls();
    caPem = tls.caPem;
    upstream = createHttpsServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => { body += d.toString(); });
      req.on('end', () => { seen.push({ headers: req.headers, body }); onRequest(req, res); });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    upstreamUrl = `https://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    front = createServer((socket) => {
      frontSockets.add(socket);
      socket.on('close', () => frontSockets.delete(socket));
      handleKubernetesConnection(socket, ctx);
    });
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    frontPort = (front.address() as AddressInfo).port;
  });
  afterEach(() => {
    seen.length = 0;
    events.length = 0;
    for (const socket of frontSockets) socket.destroy();
  });
  afterAll(async () => {
    upstream.closeAllConnections();
    await new Promise((resolve) => upstream.close(resolve));
    await new Promise((resolve) => front.close(resolve));
  });

  const context = (overrides: Partial<KubernetesConnectionContext> = {}): KubernetesConnectionContext => ({
    sessionId: 'ses-1', target: { url: upstreamUrl, tls: { verify: true, caCertificate: caPem } }, token: 'sa-token',
    recorder: { ...NO_RECORDING, event: (e) => events.push(e) }, logger: silentLogger, expiresAt: new Date(Date.now() + 60_000), ...overrides,
  });

  it('a POST body goes through, the API server sees only the token, and the log counts the bytes', async () => {
    ctx = context();
    onRequest = (_req, res) => res.end('{"kind":"Pod"}');
    const result = await send('POST', '/api/v1/namespaces/default/pods', {
      authorization: 'Basic dXNlcjpwYXNz', cookie: 'a=b', 'x-remote-user': 'root', 'content-type': 'application/json', 'kubectl-command': 'kubectl create',
    }, '{"metadata":{"name":"x"}}');
    expect(result).toMatchObject({ status: 200, body: '{"kind":"Pod"}' });
    expect(seen[0]!.headers).toMatchObject({ authorization: 'Bearer sa-token', 'content-type': 'application/json' });
    expect(seen[0]!.headers).not.toHaveProperty('cookie');
    expect(seen[0]!.headers).not.toHaveProperty('x-remote-user');
    expect(seen[0]!.body).toBe('{"metadata":{"name":"x"}}');
    await expect.poll(() => events.length).toBe(1);
    expect(events[0]).toMatchObject({ verb: 'create', resource: 'pods', status: 200, bytesIn: 25, bytesOut: 14, kubectlCommand: 'kubectl create', inferredCommand: 'kubectl create pods' });
  });

  it('a streaming response reaches the client chunk by chunk, before the API server ends it', async () => {
    ctx = context();
    let release!: () => void;
    const released = new Promise<void>((resolve) => { release = resolve; });
    onRequest = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"type":"ADDED"}\n');
      void released.then(() => res.end('{"type":"MODIFIED"}\n'));
    };
    // A buffering proxy would hold the first event until the end, which only comes after it: a deadlock, cut at 5 s.
    const firstChunk = await new Promise<string>((resolve, reject) => {
      setTimeout(() => reject(new Error('the first watch event did not arrive before the response ended')), 5_000).unref();
      const req = httpRequest({ host: '127.0.0.1', port: frontPort, path: '/api/v1/namespaces/default/pods?watch=true', agent: false }, (res) => {
        res.once('data', (d: Buffer) => { resolve(d.toString()); release(); res.resume(); });
      });
      req.on('error', reject);
      req.end();
    });
    expect(firstChunk).toBe('{"type":"ADDED"}\n');
  });

  it('Impersonate-* is refused unless the resource allows it, then passed on', async () => {
    onRequest = (_req, res) => res.end('ok');
    ctx = context();
    const refused = await send('GET', '/api/v1/pods', { 'impersonate-user': 'admin' });
    expect(refused.status).toBe(403);
    expect(refused.body).toContain('does not allow impersonation');
    expect(seen).toHaveLength(0);
    ctx = context({ allowImpersonation: true });
    expect((await send('GET', '/api/v1/pods', { 'impersonate-user': 'admin' })).status).toBe(200);
    expect(seen[0]!.headers['impersonate-user']).toBe('admin');
  });

  it('an upgrade the API server refuses comes back as its answer, and the connection ends', async () => {
    ctx = context();
    onRequest = (_req, res) => { res.writeHead(400, { 'content-type': 'application/json' }); res.end('{"reason":"BadRequest"}'); };
    const socket = connect(frontPort, '127.0.0.1');
    await once(socket, 'connect');
    socket.write('GET /api/v1/namespaces/default/pods/web-1/exec?command=ls HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n'
      + 'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n');
    let answer = '';
    socket.on('data', (d: Buffer) => { answer += d.toString(); });
    await once(socket, 'close');
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(answer).toContain('{"reason":"BadRequest"}');
    await expect.poll(() => events[0]).toMatchObject({ subresource: 'exec', status: 400 });
  });

  it('an unreachable API server is a 503 that names the URL', async () => {
    ctx = context({ target: { url: 'https://127.0.0.1:1', tls: { verify: false } } });
    const result = await send('GET', '/api');
    expect(result.status).toBe(503);
    expect(result.headers['content-type']).toContain('text/plain');
    expect(result.body).toContain('cannot reach the Kubernetes API server at https://127.0.0.1:1');
  });

  it('an admin termination closes a running watch at once', async () => {
    const terminated = new AbortController();
    ctx = context({ terminated: terminated.signal });
    onRequest = (_req, res) => { res.writeHead(200); res.write('{"type":"ADDED"}\n'); };
    const socket = connect(frontPort, '127.0.0.1');
    socket.write('GET /api/v1/namespaces/default/pods?watch=true HTTP/1.1\r\nHost: x\r\n\r\n');
    await once(socket, 'data');
    terminated.abort();
    await once(socket, 'close');
    await expect.poll(() => events[0]).toMatchObject({ verb: 'watch', status: 200 });
  });

  /** Writes raw requests on one connection and reads what comes back until the gateway closes it. */
  function rawConnection(): { socket: Socket; answer: () => string; closed: Promise<unknown> } {
    const socket = connect(frontPort, '127.0.0.1');
    let answer = '';
    socket.on('data', (d: Buffer) => { answer += d.toString(); });
    return { socket, answer: () => answer, closed: once(socket, 'close') };
  }

  it('a request still waiting for the API server when an admin terminates the session is answered with why, then the connection closes', async () => {
    const terminated = new AbortController();
    ctx = context({ terminated: terminated.signal });
    onRequest = () => undefined; // the API server is slow: no answer before the termination
    const { socket, answer, closed } = rawConnection();
    socket.write('GET /api/v1/namespaces/default/pods?watch=true HTTP/1.1\r\nHost: x\r\n\r\n');
    await expect.poll(() => seen.length).toBe(1);
    terminated.abort(new SessionEndedByServer('ses-1', 'terminated'));
    await closed;
    expect(answer()).toMatch(/^HTTP\/1\.1 403 Forbidden\r\n/);
    expect(answer()).toMatch(/\r\nconnection: close\r\n/i);
    expect(answer()).toContain('Postern gateway: session ses-1 was terminated by an administrator; start a new session with `postern pam kubernetes access`.');
    await expect.poll(() => events[0]).toMatchObject({ verb: 'watch', status: 403 });
  });

  it('after the session ends, an idle connection answers the next request with why and sends nothing upstream', async () => {
    const terminated = new AbortController();
    ctx = context({ terminated: terminated.signal });
    onRequest = (_req, res) => res.end('{"kind":"PodList"}');
    const { socket, answer, closed } = rawConnection();
    socket.write('GET /api/v1/pods HTTP/1.1\r\nHost: x\r\n\r\n');
    await expect.poll(answer).toContain('PodList');
    terminated.abort(new SessionEndedByServer('ses-1', 'ended'));
    socket.write('GET /api/v1/secrets HTTP/1.1\r\nHost: x\r\n\r\n');
    await closed;
    expect(answer()).toContain('HTTP/1.1 403 Forbidden');
    expect(answer()).toContain('session ses-1 was ended by you (postern pam sessions end)');
    expect(seen).toHaveLength(1);
  });

  it('a connection that arrives after the termination gets the refusal for a request and an exec upgrade, and the API server sees neither', async () => {
    const terminated = new AbortController();
    terminated.abort(new SessionEndedByServer('ses-1', 'terminated'));
    ctx = context({ terminated: terminated.signal });
    onRequest = (_req, res) => res.end('ok');
    expect(await send('GET', '/api/v1/pods')).toMatchObject({ status: 403, body: expect.stringContaining('terminated by an administrator') });
    const { socket, answer, closed } = rawConnection();
    socket.write('GET /api/v1/namespaces/default/pods/web-1/exec?command=ls HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n'
      + 'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n');
    await closed;
    expect(answer()).toMatch(/^HTTP\/1\.1 403 Forbidden\r\n/);
    expect(answer()).toContain('terminated by an administrator');
    expect(seen).toHaveLength(0);
  });

  it('a request after the session expired is answered with the expiry time', async () => {
    const expiresAt = new Date(Date.now() + 200);
    ctx = context({ expiresAt });
    onRequest = (_req, res) => res.end('ok');
    const { socket, answer, closed } = rawConnection();
    await once(socket, 'connect');
    await new Promise((resolve) => setTimeout(resolve, 400));
    socket.write('GET /api/v1/pods HTTP/1.1\r\nHost: x\r\n\r\n');
    await closed;
    expect(answer()).toContain(`session ses-1 expired at ${expiresAt.toISOString()}`);
    expect(seen).toHaveLength(0);
  });

  it('at the session end the connection and the open upstream request close', async () => {
    ctx = context({ expiresAt: new Date(Date.now() + 300) });
    let upstreamClosed = false;
    onRequest = (req, res) => { res.writeHead(200); res.write('started\n'); req.socket.once('close', () => { upstreamClosed = true; }); };
    const socket = connect(frontPort, '127.0.0.1');
    socket.write('GET /api/v1/namespaces/default/pods/web-1/log?follow=true HTTP/1.1\r\nHost: x\r\n\r\n');
    socket.resume();
    const started = Date.now();
    await once(socket, 'close');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    await expect.poll(() => upstreamClosed, { timeout: 3_000 }).toBe(true);
  });
});
