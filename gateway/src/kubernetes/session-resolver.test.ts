import { describe, expect, it } from 'vitest';
import type { SessionParameters } from '@postern/shared/pki/peer-identity';
import { NO_RECORDING } from '@postern/shared/recording/recorder';
import { silentLogger } from '../logger.ts';
import { createKubernetesSessionResolver, httpCredentialsFetcher, NotAKubernetesSessionError } from './session-resolver.ts';

const session = (sessionId = 's-1', notAfter = new Date(Date.now() + 3_600_000)): SessionParameters => ({
  orgId: 'o', gatewayId: 'g', sessionId, resourceId: 'r', accountId: 'a', actorId: 'u', notAfter,
});
const answer = (expiresAt: Date, extra: Record<string, unknown> = {}) => ({
  sessionId: 's-1', expiresAt: expiresAt.toISOString(),
  target: { type: 'kubernetes', url: 'https://10.0.0.1:6443', tlsVerify: true, caCertificate: 'CA' },
  credential: { type: 'kubernetes-token', token: 'sa-token' }, ...extra,
});

describe('Kubernetes session resolver', () => {
  it('builds the proxy context once per session, ending at the earlier of the server and certificate ends', async () => {
    const asked: string[] = [];
    const serverEnd = new Date(Date.now() + 60_000);
    const resolve = createKubernetesSessionResolver({
      fetchCredentials: async (id) => { asked.push(id); return answer(serverEnd); }, recorderFor: () => NO_RECORDING, logger: silentLogger,
    });
    const ctx = await resolve(session());
    expect(ctx).toMatchObject({ sessionId: 's-1', token: 'sa-token', target: { url: 'https://10.0.0.1:6443', tls: { verify: true, caCertificate: 'CA' } } });
    expect(ctx.expiresAt.getTime()).toBe(Date.parse(serverEnd.toISOString()));
    await resolve(session());
    expect(asked).toEqual(['s-1']);
    resolve.forget?.('s-1');
    await resolve(session());
    expect(asked).toEqual(['s-1', 's-1']);
    const certEnd = new Date(Date.now() + 1_000);
    expect((await resolve(session('s-2', certEnd))).expiresAt).toEqual(certEnd);
  });

  it('refuses an SSH session, and asks again after a failure', async () => {
    let calls = 0;
    const resolve = createKubernetesSessionResolver({
      fetchCredentials: async () => {
        calls += 1;
        if (calls === 1) throw new Error('server down');
        return answer(new Date(Date.now() + 60_000), { target: { type: 'ssh', host: 'h', port: 22 } });
      },
      recorderFor: () => NO_RECORDING, logger: silentLogger,
    });
    await expect(resolve(session())).rejects.toThrow('server down');
    await expect(resolve(session())).rejects.toBeInstanceOf(NotAKubernetesSessionError);
    expect(calls).toBe(2);
  });

  it('the HTTP fetcher posts as the gateway and turns a refusal into the typed error the server sent', async () => {
    const requests: { url: string; init: RequestInit }[] = [];
    const fetcher = httpCredentialsFetcher({
      serverUrl: 'https://postern.example.com', token: () => 'gateway-token',
      fetch: (async (url: URL, init: RequestInit) => {
        requests.push({ url: String(url), init });
        return requests.length === 1
          ? new Response(JSON.stringify({ ok: 1 }), { status: 200 })
          : new Response(JSON.stringify({ error: { code: 'session_expired', message: 'Session x has ended.' } }), { status: 410 });
      }) as unknown as typeof fetch,
    });
    expect(await fetcher('a b')).toEqual({ ok: 1 });
    expect(requests[0]).toMatchObject({ url: 'https://postern.example.com/api/v1/pam/sessions/a%20b/credentials', init: { method: 'POST', headers: { authorization: 'Bearer gateway-token' } } });
    await expect(fetcher('x')).rejects.toMatchObject({ code: 'session_expired', status: 410 });
  });
});
