/**
 * The chunk upload's HTTP call, on node:http(s) rather than the global fetch: uploads run on the
 * event loop that carries the sessions, and for a 448 KiB body fetch (undici) measured 2.0–3.1 ms
 * of event-loop CPU per MB against 0.6 for node:http on the same machine (bench/README.md,
 * "Recording overhead"). Node's global agents keep connections alive, unreferenced while idle, as fetch does.
 */
import http from 'node:http';
import https from 'node:https';

/** PUTs `body` to `url` and reads the JSON answer (null when it is not JSON); rejects on a network error or after `timeoutMs`. */
export function putBody(url: URL, headers: Record<string, string>, body: Uint8Array, timeoutMs: number): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const transport = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
    if (!transport) return reject(new Error(`unsupported protocol ${url.protocol} in the server URL`));
    const request = transport.request(url, {
      method: 'PUT', timeout: timeoutMs, headers: { ...headers, 'content-length': String(body.length) },
    }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.once('error', reject);
      response.once('end', () => {
        let json: unknown = null;
        try {
          json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          // Not JSON: the caller decides by the status.
        }
        resolve({ status: response.statusCode ?? 0, json });
      });
    });
    request.once('timeout', () => request.destroy(new Error(`no answer from the server within ${timeoutMs} ms`)));
    request.once('error', reject);
    request.end(body);
  });
}
