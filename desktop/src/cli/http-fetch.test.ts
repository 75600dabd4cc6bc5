import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../core/api-client.ts';
import { nodeHttpFetch } from './http-fetch.ts';

let server: Server;
let base: string;
const seen: Array<{ method?: string; url?: string; headers: IncomingMessage['headers']; body: string }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body });
      if (req.url === '/slow') return; // never answers: the caller's signal must end it
      res.statusCode = req.url === '/missing' ? 404 : 200;
      res.setHeader('content-type', 'application/json');
      res.end(req.url === '/missing' ? JSON.stringify({ error: { code: 'resource_not_found', message: 'No such resource.' } }) : JSON.stringify({ echoed: body }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => { server.closeAllConnections(); server.close(); });

describe('nodeHttpFetch', () => {
  it('sends method, headers and body; answers status, ok and text', async () => {
    const response = await nodeHttpFetch(`${base}/echo?x=1`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer t' }, body: '{"a":1}' });
    expect(response.status).toBe(200);
    expect(response.ok).toBe(true);
    expect(JSON.parse(await response.text())).toEqual({ echoed: '{"a":1}' });
    expect(seen.at(-1)).toMatchObject({ method: 'POST', url: '/echo?x=1', body: '{"a":1}', headers: { authorization: 'Bearer t' } });
    const missing = await nodeHttpFetch(`${base}/missing`);
    expect([missing.status, missing.ok]).toEqual([404, false]);
  });

  it('fails like fetch: a TypeError with the socket error as cause, the signal reason on timeout', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    await expect(nodeHttpFetch(`http://127.0.0.1:${port}/`)).rejects.toMatchObject({ name: 'TypeError', cause: { code: 'ECONNREFUSED' } });
    await expect(nodeHttpFetch(`${base}/slow`, { signal: AbortSignal.timeout(200) })).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  it("gives ApiClient the same answers and typed errors as the global fetch", async () => {
    for (const fetchImpl of [nodeHttpFetch, fetch]) {
      const api = new ApiClient({ serverUrl: base, tokens: null, fetch: fetchImpl, timeoutMs: 300 });
      await expect(api.request('POST', '/echo', { body: { b: 2 }, anonymous: true })).resolves.toEqual({ echoed: '{"b":2}' });
      await expect(api.request('GET', '/missing', { anonymous: true })).rejects.toMatchObject({ code: 'resource_not_found', status: 404 });
      await expect(api.request('GET', '/slow', { anonymous: true })).rejects.toMatchObject({ code: 'request_timeout' });
    }
  });
});
