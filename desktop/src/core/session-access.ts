/**
 * Opening access to a resource: find the resource and account by name (or id) in the project,
 * make the session's key pair here (only the CSR leaves the machine), ask the server for a
 * session, and return a dialer that opens one authenticated stream to the session's gateway per
 * call, speaking the resource type's protocol. SSH and Kubernetes access are this with a type.
 */
import type { TLSSocket } from 'node:tls';
import { z } from 'zod';
import { NotFoundError, PosternError } from '@postern/shared/errors';
import { exportPrivateKeyPem, generatePkiKeyPair } from '@postern/shared/pki/keys';
import { ALPN_PROTOCOLS } from '@postern/shared/relay/alpn';
import type { ResourceType } from '@postern/shared/schemas/resources';
import type { ApiClient } from './api-client.ts';
import type { OnConnectStep } from './connect-steps.ts';
import { pamApi } from './pam-api.ts';
import { endSession, type SessionEndOutcome } from './session-end.ts';

const zCreatedSession = z.object({
  sessionId: z.string(),
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

export class WrongResourceTypeError extends PosternError {
  constructor(name: string, actual: string, wanted: ResourceType) {
    super(`not_${wanted}_resource`, 400, `Resource "${name}" is a ${actual} resource; use postern pam ${actual} access for it.`, { name, type: actual });
  }
}

const ALPN_OF: Record<ResourceType, string> = { ssh: ALPN_PROTOCOLS.ssh, kubernetes: ALPN_PROTOCOLS.kubernetes };

/** Splits `host:port` (IPv6 in brackets allowed). */
export function parseHostPort(address: string): { host: string; port: number } {
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(address);
  if (!match) throw new PosternError('bad_relay_address', 502, `The server gave the relay address "${address}", which is not host:port; tell your administrator.`);
  return { host: match[1]!, port: Number(match[2]) };
}

/**
 * The resource and the project's accounts are asked for at once, not one after the other: one
 * round trip less to the first prompt, for a list that is the project's accounts, not one resource's.
 */
async function findResourceAndAccount(api: ApiClient, request: AccessRequest, type: ResourceType) {
  const [resources, projectAccounts] = await Promise.all([
    pamApi.listResources(api, { projectId: request.projectId, search: request.resource }),
    pamApi.listAccounts(api, request.projectId),
  ]);
  const resource = resources.find((entry) => entry.name === request.resource) ?? resources.find((entry) => entry.id === request.resource);
  if (!resource) throw new NotFoundError('resource', request.resource);
  if (resource.type !== type) throw new WrongResourceTypeError(resource.name, resource.type, type);
  const accounts = projectAccounts.filter((entry) => entry.resourceId === resource.id);
  const account = accounts.find((entry) => entry.name === request.account) ?? accounts.find((entry) => entry.id === request.account);
  if (!account) throw new NotFoundError('account', request.account);
  return { resource, account };
}

export async function openSessionAccess(api: ApiClient, request: AccessRequest, type: ResourceType, onStep?: OnConnectStep): Promise<SessionAccess> {
  // The X.509 code (asn1js, @peculiar/*) is imported here, not at start, so it loads while the server answers.
  const x509Code = Promise.all([import('@postern/shared/pki/csr'), import('./dialer.ts')]);
  x509Code.catch(() => undefined); // awaited below; a lookup error must not leave it unhandled
  const { resource, account } = await findResourceAndAccount(api, request, type);
  onStep?.('resource');
  const [{ createCertificateSigningRequest }, { dialGateway, warmTlsTrustStore }] = await x509Code;
  const keys = generatePkiKeyPair();
  const creating = api.request('POST', '/api/v1/pam/sessions', {
    body: {
      resourceId: resource.id, accountId: account.id, durationSeconds: request.durationSeconds,
      csr: createCertificateSigningRequest(keys, `postern-session ${account.name}@${resource.name}`),
    },
    schema: zCreatedSession,
  });
  // Once the request is on its way: CPU work the dial needs, done while the server signs.
  setImmediate(warmTlsTrustStore);
  const key = exportPrivateKeyPem(keys.privateKey);
  const created = await creating;
  onStep?.('session');
  const relay = parseHostPort(created.relay.address);
  return {
    sessionId: created.sessionId,
    resourceName: resource.name,
    accountName: account.name,
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
