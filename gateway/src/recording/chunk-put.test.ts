import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putBody } from './chunk-put.ts';

let handle: (req: IncomingMessage, body: Buffer, res: ServerResponse) => void;
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => handle(req, Buffer.concat(chunks), res));
});
let base: URL;
beforeAll(async () => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
afterAll(() => { server.closeAllConnections(); server.close(); });

describe('putBody', () => {
  it('PUTs the bytes with the headers and a content length, and reads the JSON answer', async () => {
    handle = (req, body, res) => res.end(JSON.stringify({ method: req.method, auth: req.headers.authorization, length: req.headers['content-length'], bytes: body.length }));
    const answer = await putBody(new URL('/chunks/3', base), { authorization: 'Bearer t' }, Buffer.alloc(448 * 1024, 1), 5_000);
    expect(answer).toEqual({ status: 200, json: { method: 'PUT', auth: 'Bearer t', length: String(448 * 1024), bytes: 448 * 1024 } });
  });

  it('gives the status with a null body when the answer is not JSON', async () => {
    handle = (_req, _body, res) => { res.statusCode = 502; res.end('<html>bad gateway</html>'); };
    expect(await putBody(new URL('/x', base), {}, Buffer.from('x'), 5_000)).toEqual({ status: 502, json: null });
  });

  it('rejects on a refused connection, a server that never answers, and a URL it cannot speak', async () => {
    const closed = createServer().listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    await expect(putBody(new URL(`http://127.0.0.1:${port}/x`), {}, Buffer.from('x'), 5_000)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    handle = () => undefined;
    await expect(putBody(new URL('/slow', base), {}, Buffer.from('x'), 200)).rejects.toThrow(/no answer from the server within 200 ms/);
    await expect(putBody(new URL('ftp://127.0.0.1/x'), {}, Buffer.from('x'), 200)).rejects.toThrow(/unsupported protocol ftp:/);
  });
});
