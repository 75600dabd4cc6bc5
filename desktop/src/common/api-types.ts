import { z } from 'zod';
import { zAccount } from '@postern/shared/schemas/accounts';
import { zResource } from '@postern/shared/schemas/resources';

/**
 * The API's response shapes as the desktop reads them. Pure zod, so the core (Node) parses
 * responses with them and the renderer (browser) shares the inferred types through the bridge.
 * Objects are not strict: a newer server may add fields without breaking an older client.
 */

export const zOrgRole = z.enum(['owner', 'admin', 'member']);
export const zProjectRole = z.string();

export const zTokenPair = z.object({
  tokenType: z.literal('Bearer'),
  accessToken: z.string().min(1),
  accessTokenExpiresAt: z.string(),
  refreshToken: z.string().min(1),
  refreshTokenExpiresAt: z.string(),
});

export const zLoginResponse = zTokenPair.extend({ user: z.object({ id: z.string(), email: z.string() }) });

export const zProjectGrant = z.object({ id: z.string(), orgId: z.string(), name: z.string(), role: zProjectRole });

export const zMe = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('user'),
    id: z.string(),
    email: z.string(),
    displayName: z.string().nullable(),
    orgs: z.array(z.object({ id: z.string(), name: z.string(), role: zOrgRole })),
    projects: z.array(zProjectGrant),
  }),
  z.object({ kind: z.literal('machine'), id: z.string(), orgId: z.string(), name: z.string(), projects: z.array(zProjectGrant) }),
]);

export const zOrg = z.object({ id: z.string(), name: z.string(), role: zOrgRole.nullable() });
export const zProject = z.object({
  id: z.string(), orgId: z.string(), name: z.string(), description: z.string(), maxSessionDurationSeconds: z.number(),
});
export const zGateway = z.object({ id: z.string(), orgId: z.string(), name: z.string(), description: z.string() });
/** GET …/gateways/{id}/health: the platform's ping through the relay (also answered when unreachable). */
export const zGatewayHealth = z.object({
  gatewayId: z.string(),
  status: z.enum(['connected', 'unreachable', 'not_enrolled', 'revoked']),
  latencyMs: z.number().nullable(),
  lastSeenAt: z.string().nullable(),
  error: z.string().nullable(),
});
/** POST …/resources/{id}/check-reachability: the gateway's TCP connect, and for SSH the host key it pinned. */
export const zReachabilityCheck = z.object({
  ok: z.boolean(),
  gatewayId: z.string(),
  target: z.object({ host: z.string(), port: z.number() }),
  latencyMs: z.number().nullable(),
  error: z.string().nullable(),
  sshHostKeys: z.array(z.string()).nullable(),
  hostKeyChanged: z.boolean(),
});
/** What an admin needs to make a server trust a resource's SSH user CA. */
export const zSshCaSetup = z.object({
  /** The server's setup script (idempotent, run as root on the target). */
  script: z.string(),
  /** Where the script is served, for `curl ... | sudo sh` with an access token. */
  scriptUrl: z.string(),
  /** The CA's public key line, for admins who manage TrustedUserCAKeys themselves. */
  caPublicKey: z.string(),
});

export const zOrgList = z.object({ orgs: z.array(zOrg) });
export const zProjectList = z.object({ projects: z.array(zProject) });
export const zGatewayList = z.object({ gateways: z.array(zGateway) });
export const zResourceList = z.object({ resources: z.array(zResource) });
export const zAccountList = z.object({ accounts: z.array(zAccount) });

export type TokenPair = z.infer<typeof zTokenPair>;
export type LoginResponse = z.infer<typeof zLoginResponse>;
export type Me = z.infer<typeof zMe>;
export type Org = z.infer<typeof zOrg>;
export type Project = z.infer<typeof zProject>;
export type Gateway = z.infer<typeof zGateway>;
export type SshCaSetup = z.infer<typeof zSshCaSetup>;
export type GatewayHealth = z.infer<typeof zGatewayHealth>;
export type ReachabilityCheck = z.infer<typeof zReachabilityCheck>;
export type { Account } from '@postern/shared/schemas/accounts';
export type { Resource, SshResource, KubernetesResource } from '@postern/shared/schemas/resources';
