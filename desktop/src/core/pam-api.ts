import { zAccount, type CreateAccount, type UpdateAccount } from '@postern/shared/schemas/accounts';
import {
  zKubernetesResource, zSshResource,
  type CreateKubernetesResource, type CreateSshResource, type ResourceType, type UpdateKubernetesResource, type UpdateSshResource,
} from '@postern/shared/schemas/resources';
import {
  zAccountList, zGatewayHealth, zGatewayList, zReachabilityCheck, zMe, zOrgList, zProject, zProjectList, zResourceList, zSshCaSetup,
  type Account, type Gateway, type GatewayHealth, type ReachabilityCheck, type Me, type Org, type Project, type Resource, type SshCaSetup,
} from '../common/api-types.ts';
import type { ApiClient } from './api-client.ts';

/**
 * One typed function per API call the desktop makes. Responses are parsed with the shared
 * schemas, so a server that answers something else fails here, loudly, not deep in the UI.
 */

const id = (value: string) => encodeURIComponent(value);

export interface ResourceQuery {
  projectId: string;
  type?: ResourceType | undefined;
  search?: string | undefined;
}

export const pamApi = {
  me: (api: ApiClient): Promise<Me> => api.request('GET', '/api/v1/auth/me', { schema: zMe }),
  listOrgs: async (api: ApiClient): Promise<Org[]> => (await api.request('GET', '/api/v1/orgs', { schema: zOrgList })).orgs,
  listProjects: async (api: ApiClient, orgId: string): Promise<Project[]> =>
    (await api.request('GET', `/api/v1/orgs/${id(orgId)}/projects`, { schema: zProjectList })).projects,
  getProject: (api: ApiClient, projectId: string): Promise<Project> => api.request('GET', `/api/v1/projects/${id(projectId)}`, { schema: zProject }),
  listGateways: async (api: ApiClient, orgId: string): Promise<Gateway[]> =>
    (await api.request('GET', `/api/v1/orgs/${id(orgId)}/gateways`, { schema: zGatewayList })).gateways,
  gatewayHealth: (api: ApiClient, orgId: string, gatewayId: string): Promise<GatewayHealth> =>
    api.request('GET', `/api/v1/orgs/${id(orgId)}/gateways/${id(gatewayId)}/health`, { schema: zGatewayHealth }),

  listResources: async (api: ApiClient, query: ResourceQuery): Promise<Resource[]> =>
    (await api.request('GET', '/api/v1/pam/resources', { query: { ...query }, schema: zResourceList })).resources,
  createSshResource: (api: ApiClient, input: CreateSshResource): Promise<Resource> =>
    api.request('POST', '/api/v1/pam/resources/ssh', { body: input, schema: zSshResource }),
  updateSshResource: (api: ApiClient, resourceId: string, changes: UpdateSshResource): Promise<Resource> =>
    api.request('PATCH', `/api/v1/pam/resources/ssh/${id(resourceId)}`, { body: changes, schema: zSshResource }),
  createKubernetesResource: (api: ApiClient, input: CreateKubernetesResource): Promise<Resource> =>
    api.request('POST', '/api/v1/pam/resources/kubernetes', { body: input, schema: zKubernetesResource }),
  updateKubernetesResource: (api: ApiClient, resourceId: string, changes: UpdateKubernetesResource): Promise<Resource> =>
    api.request('PATCH', `/api/v1/pam/resources/kubernetes/${id(resourceId)}`, { body: changes, schema: zKubernetesResource }),
  deleteResource: async (api: ApiClient, type: ResourceType, resourceId: string): Promise<void> => {
    await api.request('DELETE', `/api/v1/pam/resources/${type}/${id(resourceId)}`);
  },
  checkReachability: (api: ApiClient, resourceId: string): Promise<ReachabilityCheck> =>
    api.request('POST', `/api/v1/pam/resources/${id(resourceId)}/check-reachability`, { schema: zReachabilityCheck }),
  sshCaSetup: async (api: ApiClient, resourceId: string): Promise<SshCaSetup> => {
    const path = `/api/v1/pam/resources/ssh/${id(resourceId)}`;
    const [script, caPublicKey] = await Promise.all([
      api.request<string>('GET', `${path}/ssh-ca-setup`, { text: true }),
      api.request<string>('GET', `${path}/ssh-ca-public-key`, { text: true }),
    ]);
    return zSshCaSetup.parse({ script, scriptUrl: `${api.serverUrl}${path}/ssh-ca-setup`, caPublicKey: caPublicKey.trim() });
  },

  listAccounts: async (api: ApiClient, projectId: string, resourceId?: string): Promise<Account[]> =>
    (await api.request('GET', '/api/v1/pam/accounts', { query: { projectId, resourceId }, schema: zAccountList })).accounts,
  createAccount: (api: ApiClient, input: CreateAccount): Promise<Account> =>
    api.request('POST', '/api/v1/pam/accounts', { body: input, schema: zAccount }),
  updateAccount: (api: ApiClient, accountId: string, changes: UpdateAccount): Promise<Account> =>
    api.request('PATCH', `/api/v1/pam/accounts/${id(accountId)}`, { body: changes, schema: zAccount }),
  deleteAccount: async (api: ApiClient, accountId: string): Promise<void> => {
    await api.request('DELETE', `/api/v1/pam/accounts/${id(accountId)}`);
  },
};
