/**
 * Opening Kubernetes access: find the resource and account by name in the project, make the
 * session's key pair here (only the CSR leaves the machine), ask the server for a session, and
 * return a dialer that opens one authenticated `postern-k8s` stream to its gateway per call.
 */
import type { TLSSocket } from 'node:tls';
import { z } from 'zod';
import { NotFoundError, PosternError } from '@postern/shared/errors';
import { createCertificateSigningRequest } from '@postern/shared/pki/csr';
import { exportPrivateKeyPem, generatePkiKeyPair } from '@postern/shared/pki/keys';
import { ALPN_PROTOCOLS } from '@postern/shared/relay/alpn';
import type { ApiClient } from '../api-client.ts';
import { dialGateway } from '../dialer.ts';
import { pamApi } from '../pam-api.ts';
import { parseHostPort } from '../ssh/ssh-access.ts';

const zKubernetesSession = z.object({
  sessionId: z.string(),
  gatewayId: z.string(),
  relay: z.object({ address: z.string() }),
  expiresAt: z.string(),
  relayClientCertificate: z.string(),
  gatewayClientCertificate: z.string(),
  relayServerCaCertificates: z.array(z.string()),
  gatewayServerCaCertificates: z.array(z.string()),
});

export interface KubernetesAccessRequest {
  projectId: string;
  resource: string;
  account: string;
  durationSeconds: number;
}

export interface KubernetesAccess {
  sessionId: string;
  resourceName: string;
  accountName: string;
  expiresAt: Date;
  /** One new stream to the gateway's Kubernetes proxy (a fresh relay + inner TLS connection each call). */
  dial(): Promise<TLSSocket>;
}

export class NotAKubernetesResourceError extends PosternError {
  constructor(name: string, type: string) {
    super('not_kubernetes_resource', 400, `Resource "${name}" is a ${type} resource; use postern pam ${type} access for it.`, { name, type });
  }
}

async function findResourceAndAccount(api: ApiClient, request: KubernetesAccessRequest) {
  const resources = await pamApi.listResources(api, { projectId: request.projectId, search: request.resource });
  const resource = resources.find((entry) => entry.name === request.resource) ?? resources.find((entry) => entry.id === request.resource);
  if (!resource) throw new NotFoundError('resource', request.resource);
  if (resource.type !== 'kubernetes') throw new NotAKubernetesResourceError(resource.name, resource.type);
  const accounts = await pamApi.listAccounts(api, request.projectId, resource.id);
  const account = accounts.find((entry) => entry.name === request.account) ?? accounts.find((entry) => entry.id === request.account);
  if (!account) throw new NotFoundError('account', request.account);
  return { resource, account };
}

export async function openKubernetesAccess(api: ApiClient, request: KubernetesAccessRequest): Promise<KubernetesAccess> {
  const { resource, account } = await findResourceAndAccount(api, request);
  const keys = generatePkiKeyPair();
  const created = await api.request('POST', '/api/v1/pam/sessions', {
    body: {
      resourceId: resource.id, accountId: account.id, durationSeconds: request.durationSeconds,
      csr: createCertificateSigningRequest(keys, `postern-session ${account.name}@${resource.name}`),
    },
    schema: zKubernetesSession,
  });
  const key = exportPrivateKeyPem(keys.privateKey);
  const relay = parseHostPort(created.relay.address);
  return {
    sessionId: created.sessionId, resourceName: resource.name, accountName: account.name, expiresAt: new Date(created.expiresAt),
    dial: () => dialGateway({
      relay: { ...relay, ca: created.relayServerCaCertificates.join('\n'), cert: created.relayClientCertificate, key },
      gatewayId: created.gatewayId,
      gateway: { ca: created.gatewayServerCaCertificates.join('\n') },
      session: { cert: created.gatewayClientCertificate, key },
      alpn: ALPN_PROTOCOLS.kubernetes,
    }),
  };
}
