import { z } from 'zod';
import { zCreateAccount, zUpdateAccount } from '@postern/shared/schemas/accounts';
import {
  zCreateKubernetesResource, zCreateSshResource, zResourceType, zUpdateKubernetesResource, zUpdateSshResource,
} from '@postern/shared/schemas/resources';
import type { Account, Gateway, GatewayHealth, Org, Project, ReachabilityCheck, Resource, SshCaSetup } from './api-types.ts';
import type { KubernetesCommandRun, KubernetesConnection, RecordingIndex, SessionPage, TerminalEnded, TerminalTab } from './session-types.ts';

/**
 * The one typed seam between the renderer and the main process (Teleport Connect's
 * MainProcessClient). Every method is declared once here with the zod schema of its argument;
 * the preload exposes it as `window.postern`, main validates every call against these schemas
 * at one entry point, and the dev bridge of the browser tests implements the same interface.
 */

export interface SessionView {
  serverUrl: string;
  user: { id: string; email: string; displayName: string | null };
  orgs: Array<{ id: string; name: string; role: 'owner' | 'admin' | 'member' }>;
  projects: Array<{ id: string; orgId: string; name: string; role: string }>;
}

/** A resource as the browser shows it: with its gateway's name and its accounts. */
export interface ResourceEntry {
  resource: Resource;
  gateway: Gateway | null;
  accounts: Account[];
}

const zId = z.string().uuid();
const zText = z.string().max(2048);
const zName = z.string().min(1).max(256);
const zTabId = z.string().min(1).max(64);
const zCols = z.number().int().min(2).max(1000);
const zRows = z.number().int().min(1).max(500);
/** Session lengths the app offers: 5 minutes to 12 hours (the server applies its own ceiling too). */
const zDurationSeconds = z.number().int().min(60).max(12 * 3600);
const zConnect = { projectId: zId, resource: zName, account: zName, durationSeconds: zDurationSeconds };
const zTime = z.iso.datetime({ offset: true });

/** Argument schemas, one per bridge method; the method's parameter type is inferred from it. */
export const bridgeArgs = {
  'session.current': z.undefined(),
  'session.signIn': z.object({ serverUrl: zText.min(1), email: zText.min(1), password: z.string().min(1).max(1024) }).strict(),
  'session.signOut': z.undefined(),
  'catalog.projects': z.object({ orgId: zId }).strict(),
  'catalog.gateways': z.object({ orgId: zId }).strict(),
  'catalog.gatewayHealth': z.object({ orgId: zId, gatewayId: zId }).strict(),
  'catalog.resources': z.object({ orgId: zId, projectId: zId, type: zResourceType.optional(), search: z.string().max(64).optional() }).strict(),
  'resources.createSsh': zCreateSshResource,
  'resources.updateSsh': z.object({ resourceId: zId, changes: zUpdateSshResource }).strict(),
  'resources.createKubernetes': zCreateKubernetesResource,
  'resources.updateKubernetes': z.object({ resourceId: zId, changes: zUpdateKubernetesResource }).strict(),
  'resources.delete': z.object({ type: zResourceType, resourceId: zId }).strict(),
  'resources.sshCaSetup': z.object({ resourceId: zId }).strict(),
  'resources.checkReachability': z.object({ resourceId: zId }).strict(),
  'accounts.create': zCreateAccount,
  'accounts.update': z.object({ accountId: zId, changes: zUpdateAccount }).strict(),
  'accounts.delete': z.object({ accountId: zId }).strict(),
  'terminal.openSsh': z.object({ ...zConnect, cols: zCols, rows: zRows }).strict(),
  // One keystroke or one paste; a paste larger than this is refused rather than cut.
  'terminal.input': z.object({ tabId: zTabId, data: z.string().min(1).max(256 * 1024) }).strict(),
  'terminal.resize': z.object({ tabId: zTabId, cols: zCols, rows: zRows }).strict(),
  'terminal.close': z.object({ tabId: zTabId }).strict(),
  'kubernetes.connect': z.object({ ...zConnect, cols: zCols, rows: zRows }).strict(),
  'kubernetes.disconnect': z.object({ connectionId: zTabId }).strict(),
  'recordings.list': z.object({
    orgId: zId, projectId: zId.optional(), userId: zId.optional(), resourceId: zId.optional(),
    type: zResourceType.optional(), from: zTime.optional(), to: zTime.optional(),
    // The next page: the previous page's next cursor. limit is the page size (the app's default is 100).
    before: zTime.optional(), beforeId: zId.optional(), limit: z.number().int().min(1).max(200).optional(),
  }).strict(),
  'recordings.index': z.object({ sessionId: zId }).strict(),
  'recordings.asciicast': z.object({ sessionId: zId, terminal: z.number().int().min(0).max(0xffff_ffff) }).strict(),
  'recordings.kubernetes': z.object({ sessionId: zId }).strict(),
} as const;

export type BridgeMethod = keyof typeof bridgeArgs;
export type BridgeArg<M extends BridgeMethod> = z.input<(typeof bridgeArgs)[M]>;

/** What each method resolves to. */
export interface BridgeResults {
  'session.current': SessionView | null;
  'session.signIn': SessionView;
  'session.signOut': void;
  'catalog.projects': Project[];
  'catalog.gateways': Gateway[];
  /** The platform pings the gateway through its relay; an offline gateway resolves too, with its status. */
  'catalog.gatewayHealth': GatewayHealth;
  'catalog.resources': ResourceEntry[];
  'resources.createSsh': Resource;
  'resources.updateSsh': Resource;
  'resources.createKubernetes': Resource;
  'resources.updateKubernetes': Resource;
  'resources.delete': void;
  'resources.sshCaSetup': SshCaSetup;
  /** The gateway tries the target; for SSH the server pins the host key it presented. Unreachable resolves with ok: false. */
  'resources.checkReachability': ReachabilityCheck;
  'accounts.create': Account;
  'accounts.update': Account;
  'accounts.delete': void;
  'terminal.openSsh': TerminalTab;
  'terminal.input': void;
  'terminal.resize': void;
  'terminal.close': void;
  'kubernetes.connect': KubernetesConnection;
  'kubernetes.disconnect': void;
  'recordings.list': SessionPage;
  'recordings.index': RecordingIndex;
  /** The terminal's recording as asciicast v2 text: played in the app, or saved as the export. */
  'recordings.asciicast': string;
  'recordings.kubernetes': KubernetesCommandRun[];
}

/** Events main sends to the renderer, with their payloads. */
export interface BridgeEvents {
  /** The sign-in started or ended (signed out, or expired and could not be refreshed). */
  'session.changed': { signedIn: boolean };
  /** Output of a terminal tab, UTF-8 decoded in order (a character split across packets stays whole). */
  'terminal.data': { tabId: string; data: string };
  /** The tab's shell is gone; the tab stays to show why and offer Reconnect. */
  'terminal.ended': TerminalEnded;
  /** A Kubernetes connection's local proxy closed (expired, or disconnected). */
  'kubernetes.ended': { connectionId: string; reason: 'expired' | 'stopped' };
}
export type BridgeEvent = keyof BridgeEvents;

/** The handlers main (and the dev bridge) implement: one function per method. */
export type BridgeHandlers = { [M in BridgeMethod]: (arg: z.output<(typeof bridgeArgs)[M]>) => Promise<BridgeResults[M]> };

/**
 * What the preload exposes as `window.postern` (and the dev bridge's browser shim imitates).
 * Replies stay envelopes: contextBridge clones an Error down to its message, so the renderer
 * rebuilds typed errors itself (createBridgeClient) with code and details intact.
 */
export interface RawBridge {
  invoke(method: BridgeMethod, arg: unknown): Promise<BridgeReply<unknown>>;
  /** Subscribes to an event; the returned function unsubscribes. */
  on<E extends BridgeEvent>(event: E, listener: (payload: BridgeEvents[E]) => void): () => void;
}

/** The typed client the renderer's code uses, built over a RawBridge. */
export interface PosternBridge {
  call<M extends BridgeMethod>(method: M, ...arg: BridgeArg<M> extends undefined ? [] : [BridgeArg<M>]): Promise<BridgeResults[M]>;
  /** Subscribes to an event; the returned function unsubscribes. */
  on<E extends BridgeEvent>(event: E, listener: (payload: BridgeEvents[E]) => void): () => void;
}

/** Errors cross the bridge as this envelope (structured clone keeps no class), rebuilt with errorFromBody. */
export type BridgeReply<T> = { ok: true; value: T } | { ok: false; status: number; error: { code: string; message: string; details?: Record<string, unknown> } };

export { IPC_CHANNELS } from './ipc-channels.ts';

export const BRIDGE_METHODS = Object.keys(bridgeArgs) as BridgeMethod[];
