import type { Gateway } from '../common/api-types.ts';
import type { BridgeHandlers, ResourceEntry } from '../common/bridge.ts';
import type { ApiClient } from './api-client.ts';
import { pamApi, type ResourceQuery } from './pam-api.ts';
import type { DesktopSession } from './session.ts';

/**
 * The bridge implemented over the core: what Electron's main process and the dev bridge both
 * serve. Arguments arrive already validated by dispatchBridgeCall.
 */
export function createBridgeHandlers(session: DesktopSession): BridgeHandlers {
  const withApi = <A, R>(call: (api: ApiClient, arg: A) => Promise<R>) => async (arg: A): Promise<R> => call(await session.api(), arg);
  return {
    'session.current': () => session.current(),
    'session.signIn': (arg) => session.signIn(arg),
    'session.signOut': () => session.signOut(),
    'catalog.projects': withApi((api, { orgId }) => pamApi.listProjects(api, orgId)),
    'catalog.gateways': withApi((api, { orgId }) => pamApi.listGateways(api, orgId)),
    'catalog.resources': withApi((api, { orgId, ...query }) => loadResourceEntries(api, orgId, query)),
    'resources.createSsh': withApi(pamApi.createSshResource),
    'resources.updateSsh': withApi((api, { resourceId, changes }) => pamApi.updateSshResource(api, resourceId, changes)),
    'resources.createKubernetes': withApi(pamApi.createKubernetesResource),
    'resources.updateKubernetes': withApi((api, { resourceId, changes }) => pamApi.updateKubernetesResource(api, resourceId, changes)),
    'resources.delete': withApi((api, { type, resourceId }) => pamApi.deleteResource(api, type, resourceId)),
    'resources.sshCaSetup': withApi((api, { resourceId }) => pamApi.sshCaSetup(api, resourceId)),
    'accounts.create': withApi(pamApi.createAccount),
    'accounts.update': withApi((api, { accountId, changes }) => pamApi.updateAccount(api, accountId, changes)),
    'accounts.delete': withApi((api, { accountId }) => pamApi.deleteAccount(api, accountId)),
  };
}

/**
 * A project's resources with their gateway and accounts: three calls in parallel instead of one
 * per resource. Members may not list gateways (org admins do); then the gateway is shown by id.
 */
export async function loadResourceEntries(api: ApiClient, orgId: string, query: ResourceQuery): Promise<ResourceEntry[]> {
  const [resources, accounts, gateways] = await Promise.all([
    pamApi.listResources(api, query),
    pamApi.listAccounts(api, query.projectId),
    pamApi.listGateways(api, orgId).catch((): Gateway[] => []),
  ]);
  const gatewayById = new Map(gateways.map((gateway) => [gateway.id, gateway]));
  return resources.map((resource) => ({
    resource,
    gateway: gatewayById.get(resource.gatewayId) ?? null,
    accounts: accounts.filter((account) => account.resourceId === resource.id),
  }));
}
