/**
 * Opening access to a resource: make the session's key pair here (only the CSR leaves the
 * machine), ask the server for a session on the resource and account named (or given by id) in
 * the project — one call, the server finds both — and return a dialer that opens one authenticated stream to the session's gateway per
 * call, speaking the resource type's protocol. SSH and Kubernetes access are this with a type.
 */
import type { TLSSocket } from 'node:tls';
import { z } from 'zod';
import { PosternError, WrongResourceTypeError } from '@postern/shared/errors';
import { exportPrivateKeyPem, generatePkiKeyPair } from '@postern/shared/pki/keys';
import { ALPN_PROTOCOLS } from '@postern/shared/relay/alpn';
import type { ResourceType } from '@postern/shared/schemas/resources';
import type { ApiClient } from './api-client.ts';
import type { OnConnectStep } from './connect-steps.ts';
import { endSession, type SessionEndOutcome } from './session-end.ts';

const zCreatedSession = z.object({
  sessionId: z.string(),
  resourceName: z.string().optional(),
  accountName: z.string().optional(),
  gatewayId: z.string(),
  relay: z.object({ address: z.string() }),
  expiresAt: z.string(),
  relayClientCertificate: z.string(),
  gatewayClientCertificate: z.string(),
  relayServerCaCertificates: z.array(z.string()),
  gatewayServerCaCertificates: z.array(z.string()),
});

export interface AccessRequest {
  projectId: string;
  resource: string;
  account: string;
  durationSeconds: number;
}

export interface SessionAccess {
  sessionId: string;
  resourceName: string;
  accountName: string;
  expiresAt: Date;
  /** One new stream to the gateway (a fresh relay + inner TLS connection each call). */
  dial(onStep?: OnConnectStep): Promise<TLSSocket>;
  /** Ends the session on the server now (bounded; already over counts as ended): see session-end.ts. */
  end(): Promise<SessionEndOutcome>;
}

/** A resource of another type than the command (from the server, `not_<type>_resource`). */
export { WrongResourceTypeError };

const ALPN_OF: Record<ResourceType, string> = { ssh: ALPN_PROTOCOLS.ssh, kubernetes: ALPN_PROTOCOLS.kubernetes };

/** Splits `host:port` (IPv6 in brackets allowed). */
export function parseHostPort(address: string): { host: string; port: number } {
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(address);
  if (!match) throw new PosternError('bad_relay_address', 502, `The server gave the relay address "${address}", which is not host:port; tell your administrator.`);
  return { host: match[1]!, port: Number(match[2]) };
}

export async function openSessionAccess(api: ApiClient, request: AccessRequest, type: ResourceType, onStep?: OnConnectStep): Promise<SessionAccess> {
  // Nothing heavy loads before the request is sent: the CSR code is small (csr-encode.ts), and the
  // dialer's X.509 code (asn1js, @peculiar/*) loads while the server answers.
  const { createCertificateSigningRequest } = await import('@postern/shared/pki/csr-encode');
  const keys = generatePkiKeyPair();
  const csr = createCertificateSigningRequest(keys, `postern-session ${request.account}@${request.resource}`);
  // No lookup first: the server finds the resource and account by name (or id) in the project,
  // checks the resource type, and answers 404 naming what is missing.
  const creating = api.request('POST', '/api/v1/pam/sessions', {
    body: {
      projectId: request.projectId, resourceName: request.resource, accountName: request.account, resourceType: type,
      durationSeconds: request.durationSeconds, csr,
    },
    schema: zCreatedSession,
  });
  creating.catch(() => undefined); // awaited below, after the dialer code: a refusal must not go unhandled meanwhile
  // 'resource' = the request is on its way: callers start loading their own code now (ssh.ts).
  onStep?.('resource');
  // CPU work the dial needs, done while the server signs.
  const { dialGateway, warmTlsTrustStore } = await import('./dialer.ts');
  setImmediate(warmTlsTrustStore);
  const key = exportPrivateKeyPem(keys.privateKey);
  const created = await creating;
  onStep?.('session');
  const relay = parseHostPort(created.relay.address);
  return {
    sessionId: created.sessionId,
    resourceName: created.resourceName ?? request.resource,
    accountName: created.accountName ?? request.account,
    expiresAt: new Date(created.expiresAt),
    dial: (onDialStep) => dialGateway({
      relay: { ...relay, ca: created.relayServerCaCertificates.join('\n'), cert: created.relayClientCertificate, key },
      gatewayId: created.gatewayId,
      gateway: { ca: created.gatewayServerCaCertificates.join('\n') },
      session: { cert: created.gatewayClientCertificate, key },
      alpn: ALPN_OF[type],
      ...(onDialStep ? { onStep: onDialStep } : {}),
    }),
    end: () => endSession(api, created.sessionId),
  };
}
