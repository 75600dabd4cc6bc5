import { describe, expect, it } from 'vitest';
import { downstreamResponseHeaders, impersonationHeaders, upstreamFailure, upstreamRequestHeaders, upstreamRequestOptions, createUpstreamAgent } from './upstream.ts';

const target = { url: 'https://10.0.0.5:6443/k8s/clusters/c-1/', tls: { verify: true, caCertificate: 'CA PEM' } };

describe('headers toward the API server', () => {
  it('replace the client credentials with the session token and drop connection headers', () => {
    const headers = upstreamRequestHeaders({
      host: '127.0.0.1:40000', authorization: 'Bearer client-token', cookie: 'session=1', 'x-remote-user': 'admin',
      'x-remote-group': 'system:masters', 'x-remote-extra-scopes': 'all', connection: 'keep-alive, x-hop', 'x-hop': '1', 'keep-alive': 'timeout=5',
      'proxy-authorization': 'Basic x', accept: 'application/json', 'user-agent': 'kubectl/v1.32.4', 'kubectl-command': 'kubectl get',
    }, 'sa-token', false);
    expect(headers).toEqual({ authorization: 'Bearer sa-token', accept: 'application/json', 'user-agent': 'kubectl/v1.32.4', 'kubectl-command': 'kubectl get' });
  });

  it('keep the upgrade for exec and drop WebSocket compression so the recorder reads plain frames', () => {
    const headers = upstreamRequestHeaders({
      connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-key': 'k', 'sec-websocket-version': '13',
      'sec-websocket-protocol': 'v5.channel.k8s.io', 'sec-websocket-extensions': 'permessage-deflate',
    }, 'sa-token', true);
    expect(headers).toEqual({ authorization: 'Bearer sa-token', connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-key': 'k',
      'sec-websocket-version': '13', 'sec-websocket-protocol': 'v5.channel.k8s.io' });
  });

  it('finds every Impersonate-* header', () => {
    expect(impersonationHeaders({ 'impersonate-user': 'a', 'impersonate-group': 'b', 'impersonate-extra-scopes': 'c', accept: 'x' }))
      .toEqual(['impersonate-user', 'impersonate-group', 'impersonate-extra-scopes']);
  });

  it('responses lose only their connection headers', () => {
    expect(downstreamResponseHeaders({ 'content-type': 'application/json', 'transfer-encoding': 'chunked', connection: 'close', 'audit-id': '1' }))
      .toEqual({ 'content-type': 'application/json', 'audit-id': '1' });
  });
});

describe('the request to the API server', () => {
  it("goes under the resource URL's path prefix", () => {
    const agent = createUpstreamAgent(target);
    try {
      expect(upstreamRequestOptions(target, 'GET', '/api/v1/pods?limit=1', {}, agent)).toMatchObject({
        hostname: '10.0.0.5', port: '6443', path: '/k8s/clusters/c-1/api/v1/pods?limit=1', method: 'GET',
      });
      expect(upstreamRequestOptions({ ...target, url: 'https://[::1]' }, 'GET', '/api', {}, agent)).toMatchObject({ hostname: '::1', port: 443, path: '/api' });
      expect(agent.options).toMatchObject({ keepAlive: true, rejectUnauthorized: true, ca: 'CA PEM' });
      expect(createUpstreamAgent({ url: target.url, tls: { verify: false, caCertificate: 'ignored' } }).options).toMatchObject({ rejectUnauthorized: false });
    } finally {
      agent.destroy();
    }
  });

  it('failures name the fix: TLS verification points at the CA, anything else at reachability', () => {
    const tls = upstreamFailure(Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' }), target);
    expect(tls).toMatchObject({ code: 502 });
    expect(tls.message).toContain("update the resource's CA certificate");
    const refused = upstreamFailure(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), target);
    expect(refused).toMatchObject({ code: 503 });
    expect(refused.message).toContain('cannot reach the Kubernetes API server');
  });
});
