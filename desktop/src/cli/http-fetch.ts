/**
 * The `fetch` the `postern` command gives its API client: node:http(s) rather than Node's global
 * fetch, whose first call loads undici (~25 ms of CPU, 50–80 ms on a busy machine) right on the
 * way to the first prompt, where node:http costs ~7 ms. It does what ApiClient asks of fetch and
 * no more: method, headers, a string body and an AbortSignal in; status, ok and text() out; and it
 * fails the way fetch does (a TypeError whose cause carries the socket's error code, an
 * AbortError on abort), so ApiClient's error mapping is the same for both.
 */
import http from 'node:http';
import https from 'node:https';

interface FetchLikeInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal | null;
}

function failure(error: Error & { code?: string }, signal: AbortSignal | null | undefined): Error {
  if (signal?.aborted || error.name === 'AbortError') return signal?.reason instanceof Error ? signal.reason : error;
  return Object.assign(new TypeError('fetch failed'), { cause: error });
}

function answer(status: number, text: string): Response {
  return { ok: status >= 200 && status < 300, status, text: () => Promise.resolve(text) } as Response;
}

export const nodeHttpFetch = ((input: string | URL, init: FetchLikeInit = {}) => new Promise<Response>((resolve, reject) => {
  const url = new URL(String(input));
  const transport = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
  if (!transport) return reject(new TypeError(`fetch failed: unsupported protocol ${url.protocol}`));
  const fail = (error: Error) => reject(failure(error, init.signal));
  // Node's global agent keeps connections alive (and unreferenced while idle), as fetch does.
  const request = transport.request(url, { method: init.method ?? 'GET', headers: init.headers ?? {}, ...(init.signal ? { signal: init.signal } : {}) }, (response) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.once('end', () => resolve(answer(response.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'))));
    response.once('error', fail);
  });
  request.once('error', fail);
  request.end(init.body);
})) as unknown as typeof fetch;
