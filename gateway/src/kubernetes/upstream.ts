import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { Agent, type RequestOptions } from 'node:https';

/** Where the API server is and how to trust it, as the resource says. */
export interface KubernetesTarget {
  url: string;
  tls: { verify: boolean; caCertificate?: string };
}

/** Hop-by-hop headers (RFC 9110 section 7.6.1) belong to one connection and are never forwarded. */
const hopByHop = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade',
  'proxy-authorization', 'proxy-authenticate', 'host']);

/**
 * Credentials the client may not bring: the session's token is the only identity the API
 * server sees. The X-Remote-* headers are the apiserver's front-proxy authentication; a
 * gateway presenting no client certificate cannot use them, but they are dropped anyway.
 */
const clientCredentialHeaders = /^(authorization|cookie|x-remote-(user|group|uid|extra-.*))$/;
const impersonationHeader = /^impersonate-/;
/** No compression extension: the exec recorder reads plain WebSocket frames. */
const droppedOnUpgrade = new Set(['sec-websocket-extensions']);

export function impersonationHeaders(headers: IncomingHttpHeaders): string[] {
  return Object.keys(headers).filter((name) => impersonationHeader.test(name));
}

/** The request headers sent to the API server: the client's, minus connection and credential headers, plus the token. */
export function upstreamRequestHeaders(headers: IncomingHttpHeaders, token: string, upgrade: boolean): OutgoingHttpHeaders {
  const connectionScoped = new Set(String(headers.connection ?? '').toLowerCase().split(',').map((s) => s.trim()).filter(Boolean));
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || hopByHop.has(name) || connectionScoped.has(name) || clientCredentialHeaders.test(name)) continue;
    if (upgrade && droppedOnUpgrade.has(name)) continue;
    out[name] = value;
  }
  out.authorization = `Bearer ${token}`;
  if (upgrade) {
    out.connection = 'Upgrade';
    out.upgrade = headers.upgrade ?? '';
  }
  return out;
}

/** The response headers sent back to the client: the API server's, minus its connection's own. */
export function downstreamResponseHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const connectionScoped = new Set(String(headers.connection ?? '').toLowerCase().split(',').map((s) => s.trim()).filter(Boolean));
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || hopByHop.has(name) || connectionScoped.has(name)) continue;
    out[name] = value;
  }
  return out;
}

/**
 * One keep-alive agent per client connection: kubectl keeps its connection open, so its
 * requests reuse one TLS connection to the API server, and closing the client's connection
 * frees exactly what it used.
 */
export function createUpstreamAgent(target: KubernetesTarget): Agent {
  return new Agent({
    keepAlive: true,
    keepAliveMsecs: 30_000,
    rejectUnauthorized: target.tls.verify,
    ...(target.tls.verify && target.tls.caCertificate ? { ca: target.tls.caCertificate } : {}),
  });
}

/** The https.request options for a request path (with query) on the target, under the URL's own path prefix. */
export function upstreamRequestOptions(target: KubernetesTarget, method: string, pathAndQuery: string, headers: OutgoingHttpHeaders, agent: Agent): RequestOptions {
  const base = new URL(target.url);
  const prefix = base.pathname.replace(/\/+$/, '');
  return {
    protocol: 'https:', hostname: base.hostname.replace(/^\[|\]$/g, ''), port: base.port || 443,
    method, path: `${prefix}${pathAndQuery}`, headers, agent,
  };
}

/**
 * The content type of the gateway's own error answers. A JSON Status would be the Kubernetes
 * way, but kubectl's discovery (its first request of every command) shows a non-text error
 * body only as "unknown"; a text body it prints as it is.
 */
export const gatewayErrorContentType = 'text/plain; charset=utf-8';

const tlsVerificationCodes = new Set(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_SIGNATURE_FAILURE',
  'UNABLE_TO_GET_ISSUER_CERT', 'CERT_UNTRUSTED']);

/** What the client is told when the API server cannot be reached; the status and message name the fix. */
export function upstreamFailure(error: NodeJS.ErrnoException, target: KubernetesTarget): { code: number; message: string } {
  const code = error.code ?? 'unknown';
  if (tlsVerificationCodes.has(code)) {
    return { code: 502, message: `Postern gateway: the Kubernetes API server at ${target.url} failed TLS verification `
      + `(${code}: ${error.message}); its certificate is not from the CA certificate stored on the resource. Ask an administrator to update the resource's CA certificate.` };
  }
  return { code: 503, message: `Postern gateway: cannot reach the Kubernetes API server at ${target.url} (${code}: ${error.message}); `
    + 'check the resource URL and that the gateway can reach it.' };
}
