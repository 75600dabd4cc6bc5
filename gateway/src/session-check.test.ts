import { describe, expect, it } from 'vitest';
import { httpSessionCheck } from './session-check.ts';

/** A fetch that answers like the server would, and records what it was asked. */
function fakeServer(status: number, body: unknown): { fetch: typeof fetch; requests: { url: string; authorization: string | null }[] } {
  const requests: { url: string; authorization: string | null }[] = [];
  const fetchImpl = (async (url: string, init?: RequestInit) => {
    requests.push({ url, authorization: new Headers(init?.headers).get('authorization') });
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  }) as unknown as typeof fetch;
  return { fetch: fetchImpl, requests };
}

describe('httpSessionCheck', () => {
  it('asks the URL with the session id filled in and the gateway token, and returns the active flag', async () => {
    const server = fakeServer(200, { active: true });
    const check = httpSessionCheck({ urlTemplate: 'https://s.example/sessions/{sessionId}/status', token: 'tok', fetch: server.fetch });
    expect(await check('ses 1/2')).toBe(true);
    expect(server.requests).toEqual([{ url: 'https://s.example/sessions/ses%201%2F2/status', authorization: 'Bearer tok' }]);
    expect(await httpSessionCheck({ urlTemplate: 'https://s.example/{sessionId}', token: undefined, fetch: fakeServer(200, { active: false }).fetch })('s')).toBe(false);
  });

  it('reads 404 and 410 (no such session, session ended) as not active', async () => {
    for (const status of [404, 410]) {
      expect(await httpSessionCheck({ urlTemplate: 'https://s.example/{sessionId}', token: undefined, fetch: fakeServer(status, {}).fetch })('s')).toBe(false);
    }
  });

  it('fails closed: an error status or an answer without the flag throws (the gateway then refuses)', async () => {
    await expect(httpSessionCheck({ urlTemplate: 'https://s.example/{sessionId}', token: undefined, fetch: fakeServer(500, {}).fetch })('s')).rejects.toThrow(/answered 500/);
    await expect(httpSessionCheck({ urlTemplate: 'https://s.example/{sessionId}', token: undefined, fetch: fakeServer(200, { ok: true }).fetch })('s')).rejects.toThrow(/no "active" flag/);
  });
});
