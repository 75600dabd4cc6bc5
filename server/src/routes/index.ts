import type { App } from '../http/openapi.ts';
import * as login from './auth/login.ts';
import * as logout from './auth/logout.ts';
import * as machineLogin from './auth/machine-login.ts';
import * as me from './auth/me.ts';
import * as password from './auth/password.ts';
import * as refresh from './auth/refresh.ts';
import * as auditLogs from './audit/audit-logs.ts';
import * as machineIdentities from './machine-identities/machine-identities.ts';
import * as orgs from './orgs/orgs.ts';
import * as orgUsers from './orgs/users.ts';
import * as projectMembers from './projects/members.ts';
import * as projects from './projects/projects.ts';
import * as gateways from './gateways/gateways.ts';
import * as pamAccounts from './pam/accounts.ts';
import * as kubernetesResources from './pam/kubernetes-resources.ts';
import * as listResources from './pam/list-resources.ts';
import * as sshResources from './pam/ssh-resources.ts';
import * as health from './system/health.ts';
import * as gatewayEnrollment from './enrollment/gateways.ts';
import * as relayEnrollment from './enrollment/relays.ts';
import * as sshCa from './pki/ssh-ca.ts';
import * as createSession from './sessions/create-session.ts';
import * as gatewaySession from './sessions/gateway-session.ts';
import * as terminateSession from './sessions/terminate-session.ts';
import * as endSession from './sessions/end-session.ts';
import * as recordingChunks from './recordings/gateway-chunks.ts';
import * as recordingPlayback from './recordings/playback.ts';
import * as sessionsList from './recordings/sessions-list.ts';
import * as gatewayHealth from './platform/gateway-health.ts';
import * as gatewayPresence from './platform/gateway-presence.ts';
import * as checkReachability from './platform/check-reachability.ts';
import * as gatewayPool from './platform/gateway-pool.ts';

/** Every route module; each exports `register(app)`. Add one line per new route file. */
const ROUTE_MODULES: ReadonlyArray<{ register(app: App): void }> = [
  health,
  login, refresh, logout, me, machineLogin, password,
  orgs, orgUsers, projects, projectMembers, machineIdentities, auditLogs,
  gateways, listResources, sshResources, kubernetesResources, pamAccounts,
  gatewayEnrollment, relayEnrollment, sshCa, createSession, gatewaySession, terminateSession, endSession,
  recordingChunks, recordingPlayback, sessionsList,
  gatewayHealth, gatewayPresence, checkReachability, gatewayPool,
];

export function registerRoutes(app: App): void {
  for (const module of ROUTE_MODULES) module.register(app);
}
