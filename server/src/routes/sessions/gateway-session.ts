import { createRoute } from '@hono/zod-openapi';
import { requireAuth } from '../../http/auth.ts';
import { ErrorBodySchema, bearerAuth, errorResponses, jsonBody, jsonResponse, type App } from '../../http/openapi.ts';
import { Timestamp, iso, z } from '../../http/schemas.ts';
import { issueSessionCredentials, sessionOfGateway } from '../../services/pki/session-credentials.ts';
import { effectiveStatus } from '../../services/pki/sessions.ts';
import { SshPublicKeyLine } from '../enrollment/schemas.ts';

/**
 * The session's gateway (its machine identity token) asks for what it needs to reach the target,
 * and checks that a session is still active when a client connects.
 */

const params = z.object({ sessionId: z.uuid().openapi({ param: { name: 'sessionId', in: 'path' } }) });
const base = { tags: ['sessions'], middleware: [requireAuth], security: bearerAuth };

const CredentialsRequest = z.object({
  sshPublicKey: SshPublicKeyLine.optional().openapi({ description: 'For ssh-certificate accounts: the ed25519 key the gateway made for this session' }),
}).strict().openapi('SessionCredentialsRequest');

const Credential = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ssh-password'), username: z.string(), password: z.string() }),
  z.object({ type: z.literal('ssh-key'), username: z.string(), privateKey: z.string(), passphrase: z.string().optional() }),
  z.object({ type: z.literal('ssh-certificate'), username: z.string(), certificate: z.string(), validBefore: Timestamp }),
  z.object({ type: z.literal('kubernetes-token'), token: z.string() }),
]);

const CredentialsResponse = z.object({
  sessionId: z.uuid(),
  expiresAt: Timestamp,
  target: z.discriminatedUnion('type', [
    z.object({ type: z.literal('ssh'), host: z.string(), port: z.number().int(), hostKeys: z.array(z.string()).optional().openapi({ description: 'Pinned by the last reachability check: refuse any other host key' }) }),
    z.object({ type: z.literal('kubernetes'), url: z.string(), tlsVerify: z.boolean(), caCertificate: z.string().nullable() }),
  ]),
  credential: Credential,
}).openapi('SessionCredentialsResponse');

const StatusResponse = z.object({
  sessionId: z.uuid(),
  orgId: z.uuid(),
  gatewayId: z.uuid().nullable(),
  resourceId: z.uuid().nullable(),
  accountId: z.uuid().nullable(),
  userId: z.uuid().nullable(),
  status: z.enum(['active', 'expired', 'ended', 'terminated']),
  active: z.boolean(),
  expiresAt: Timestamp,
}).openapi('SessionStatus');

const credentialsRoute = createRoute({
  ...base, method: 'post', path: '/api/v1/pam/sessions/{sessionId}/credentials', summary: "The target credential for a session (the session's gateway only)",
  request: { params, body: jsonBody(CredentialsRequest) },
  responses: { 200: jsonResponse(CredentialsResponse, 'What the gateway logs in to the target with'), ...errorResponses(400, 401, 403, 404, 413, 422), 410: jsonResponse(ErrorBodySchema, 'The session has ended or expired (`session_expired`)') },
});
const statusRoute = createRoute({
  ...base, method: 'get', path: '/api/v1/pam/sessions/{sessionId}/status', summary: "Whether a session is still active (the session's gateway only)",
  request: { params },
  responses: { 200: jsonResponse(StatusResponse, 'The session status'), ...errorResponses(400, 401, 403, 404) },
});

export function register(app: App): void {
  app.openapi(credentialsRoute, async (c) => {
    const issued = await issueSessionCredentials(c.var.deps, c.var.principal, c.req.valid('param').sessionId, c.req.valid('json').sshPublicKey);
    const credential = issued.credential.type === 'ssh-certificate' ? { ...issued.credential, validBefore: iso(issued.credential.validBefore) } : issued.credential;
    return c.json({ sessionId: issued.session.id, expiresAt: iso(issued.session.expiresAt), target: issued.target, credential }, 200);
  });
  app.openapi(statusRoute, async (c) => {
    const session = await sessionOfGateway(c.var.deps, c.var.principal, c.req.valid('param').sessionId);
    const status = effectiveStatus(session, c.var.deps.clock());
    return c.json({
      sessionId: session.id, orgId: session.orgId, gatewayId: session.gatewayId, resourceId: session.resourceId, accountId: session.accountId,
      userId: session.userId, status, active: status === 'active', expiresAt: iso(session.expiresAt),
    }, 200);
  });
}
