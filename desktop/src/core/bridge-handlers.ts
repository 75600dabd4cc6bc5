import type { Gateway } from '../common/api-types.ts';
import type { BridgeHandlers, ResourceEntry } from '../common/bridge.ts';
import type { ApiClient } from './api-client.ts';
import { pamApi, type ResourceQuery } from './pam-api.ts';
import { recordingIndex, kubernetesRuns } from './playback.ts';
import { sessionsApi } from './recordings/sessions-api.ts';
import type { DesktopSession } from './session.ts';
import type { LiveServices } from './terminal-sessions-services.ts';

/**
 * The bridge implemented over the core: what Electron's main process and the dev bridge both
 * serve. Arguments arrive already validated by dispatchBridgeCall.
 */
export function createBridgeHandlers(session: DesktopSession, live: LiveServices): BridgeHandlers {
  const withApi = <A, R>(call: (api: ApiClient, arg: A) => Promise<R>) => async (arg: A): Promise<R> => call(await session.api(), arg);
  return {
    ...catalogHandlers(session, withApi),
    ...connectHandlers(live, withApi),
    ...playbackHandlers(withApi),
    // Tabs and proxies belong to the signed-in user: they end with the sign-in.
    'session.signOut': async () => {
      await live.close();
      await session.signOut();
    },
  };
}

type WithApi = <A, R>(call: (api: ApiClient, arg: A) => Promise<R>) => (arg: A) => Promise<R>;
type Group = 'terminal' | 'kubernetes' | 'recordings';
type HandlersOf<G extends Group> = Pick<BridgeHandlers, Extract<keyof BridgeHandlers, `${G}.${string}`>>;
type OtherHandlers = Omit<BridgeHandlers, Extract<keyof BridgeHandlers, `${Group}.${string}`>>;

function catalogHandlers(session: DesktopSession, withApi: WithApi): OtherHandlers {
  return {
    'session.current': () => session.current(),
    'session.signIn': (arg) => session.signIn(arg),
    'session.signOut': () => session.signOut(),
    'catalog.projects': withApi((api, { orgId }) => pamApi.listProjects(api, orgId)),
    'catalog.gateways': withApi((api, { orgId }) => pamApi.listGateways(api, orgId)),
    'catalog.gatewayHealth': withApi((api, { orgId, gatewayId }) => pamApi.gatewayHealth(api, orgId, gatewayId)),
    'catalog.resources': withApi((api, { orgId, ...query }) => loadResourceEntries(api, orgId, query)),
    'resources.createSsh': withApi(pamApi.createSshResource),
    'resources.updateSsh': withApi((api, { resourceId, changes }) => pamApi.updateSshResource(api, resourceId, changes)),
    'resources.createKubernetes': withApi(pamApi.createKubernetesResource),
    'resources.updateKubernetes': withApi((api, { resourceId, changes }) => pamApi.updateKubernetesResource(api, resourceId, changes)),
    'resources.delete': withApi((api, { type, resourceId }) => pamApi.deleteResource(api, type, resourceId)),
    'resources.sshCaSetup': withApi((api, { resourceId }) => pamApi.sshCaSetup(api, resourceId)),
    'resources.checkReachability': withApi((api, { resourceId }) => pamApi.checkReachability(api, resourceId)),
    'accounts.create': withApi(pamApi.createAccount),
    'accounts.update': withApi((api, { accountId, changes }) => pamApi.updateAccount(api, accountId, changes)),
    'accounts.delete': withApi((api, { accountId }) => pamApi.deleteAccount(api, accountId)),
  };
}

/** Connect: SSH terminal tabs and Kubernetes connections; terminal bytes leave as events. */
function connectHandlers(live: LiveServices, withApi: WithApi): HandlersOf<'terminal' | 'kubernetes'> {
  return {
    'terminal.openSsh': withApi(async (api, { cols, rows, ...request }) => live.terminals.openSsh(await live.openSsh(api, request), { cols, rows })),
    'terminal.input': async ({ tabId, data }) => live.terminals.input(tabId, data),
    'terminal.resize': async ({ tabId, cols, rows }) => live.terminals.resize(tabId, { cols, rows }),
    'terminal.close': async ({ tabId }) => live.terminals.close(tabId),
    'kubernetes.connect': withApi((api, { cols, rows, ...request }) => live.kubernetes.connect(api, request, { cols, rows })),
    'kubernetes.disconnect': ({ connectionId }) => live.kubernetes.disconnect(connectionId),
  };
}

const SESSION_LIST_LIMIT = 100;

/** Reviewers' playback: the server decides who may read which recording. */
function playbackHandlers(withApi: WithApi): HandlersOf<'recordings'> {
  return {
    'recordings.list': withApi(async (api, { limit, ...query }) => {
      const page = await sessionsApi.list(api, { ...query, limit: limit ?? SESSION_LIST_LIMIT });
      const next = page.nextBefore && page.nextBeforeId ? { before: page.nextBefore, beforeId: page.nextBeforeId } : null;
      return { sessions: page.sessions, next };
    }),
    'recordings.index': withApi((api, { sessionId }) => recordingIndex(api, sessionId)),
    'recordings.asciicast': withApi((api, { sessionId, terminal }) => sessionsApi.asciicastText(api, sessionId, terminal)),
    'recordings.kubernetes': withApi((api, { sessionId }) => kubernetesRuns(api, sessionId)),
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
