import { createRoute } from '@hono/zod-openapi';
import { requireAuth } from '../../http/auth.ts';
import { bearerAuth, errorResponses, jsonBody, jsonResponse, type App } from '../../http/openapi.ts';
import { Timestamp, iso, z } from '../../http/schemas.ts';
import { requireAccountByName, requireAccountRole } from '../../services/pam-access.ts';
import { createSession } from '../../services/pki/sessions.ts';
import { CsrPem } from '../enrollment/schemas.ts';

const MAX_DURATION_SECONDS = 31 * 24 * 3600;
const SESSION_ROLES = ['admin', 'member'] as const;

const EntityName = z.string().min(1).max(200);

const CreateSessionRequest = z.object({
  resourceId: z.uuid().optional().openapi({ description: "When given, must be the account's resource" }),
  accountId: z.uuid().optional().openapi({ description: 'The account; or name it with projectId + resourceName + accountName (one call instead of looking the ids up first)' }),
  projectId: z.uuid().optional().openapi({ description: 'With resourceName and accountName: the project they are in' }),
  resourceName: EntityName.optional().openapi({ description: "The resource's name in the project (its id also works)" }),
  accountName: EntityName.optional().openapi({ description: "The account's name on that resource (its id also works)" }),
  resourceType: z.enum(['ssh', 'kubernetes']).optional().openapi({ description: 'With the names: the type the caller expects; another type answers 400 not_<type>_resource' }),
  durationSeconds: z.number().int().positive().max(MAX_DURATION_SECONDS)
    .openapi({ description: "At most the project's maxSessionDurationSeconds (422 session_duration_too_long names it)", example: 3600 }),
  csr: CsrPem.openapi({ description: 'CSR (ECDSA P-256) for the gateway-hop certificate; also the relay-hop one unless relayCsr is given' }),
  relayCsr: CsrPem.optional(),
}).strict().superRefine((body, ctx) => {
  const named = [body.projectId, body.resourceName, body.accountName, body.resourceType].some((field) => field !== undefined);
  if (body.accountId !== undefined && named) {
    ctx.addIssue({ code: 'custom', path: ['accountId'], message: 'give accountId, or projectId + resourceName + accountName, not both' });
  } else if (body.accountId === undefined && !(body.projectId && body.resourceName && body.accountName)) {
    ctx.addIssue({ code: 'custom', path: ['accountId'], message: 'accountId is required, or projectId + resourceName + accountName' });
  } else if (named && body.resourceId !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['resourceId'], message: 'resourceId goes with accountId; with names, give resourceName' });
  }
}).openapi('CreateSessionRequest');

const CreateSessionResponse = z.object({
  sessionId: z.uuid(),
  orgId: z.uuid(),
  projectId: z.uuid(),
  resourceId: z.uuid(),
  accountId: z.uuid(),
  resourceName: z.string(),
  accountName: z.string(),
  gatewayId: z.uuid(),
  protocol: z.enum(['postern-ssh', 'postern-k8s']).openapi({ description: 'ALPN to offer the gateway' }),
  relay: z.object({ id: z.uuid(), address: z.string().openapi({ description: 'host:port of the relay TLS listener' }) }),
  startedAt: Timestamp,
  expiresAt: Timestamp,
  relayClientCertificate: z.string().openapi({ description: 'Relay PKI Client CA; carries the org id' }),
  gatewayClientCertificate: z.string().openapi({ description: 'Org Gateway Client CA; carries session, resource, account, gateway; not-after = expiresAt' }),
  relayServerCaCertificates: z.array(z.string()).openapi({ description: "Verify the relay's TLS certificate against these" }),
  gatewayServerCaCertificates: z.array(z.string()).openapi({ description: "Verify the gateway's inner TLS certificate against these, pinned to urn:postern:gateway:<gatewayId>" }),
}).openapi('CreateSessionResponse');

const createSessionRoute = createRoute({
  method: 'post', path: '/api/v1/pam/sessions', tags: ['sessions'], middleware: [requireAuth], security: bearerAuth,
  summary: 'Open a session on an account (project admin or member)',
  request: { body: jsonBody(CreateSessionRequest) },
  responses: { 201: jsonResponse(CreateSessionResponse, 'Session created'), ...errorResponses(400, 401, 403, 404, 413, 422) },
});

export function register(app: App): void {
  app.openapi(createSessionRoute, async (c) => {
    const body = c.req.valid('json');
    const account = body.accountId === undefined
      ? (await requireAccountByName(c, { projectId: body.projectId!, resourceName: body.resourceName!, accountName: body.accountName!, resourceType: body.resourceType }, SESSION_ROLES)).account
      : await requireAccountRole(c, body.accountId, SESSION_ROLES);
    const created = await createSession(c.var.deps, c.var.principal, account, { ...body, accountId: account.id });
    const { session, resource, relay } = created;
    return c.json({
      sessionId: session.id, orgId: session.orgId, projectId: session.projectId, resourceId: resource.id, accountId: account.id,
      resourceName: resource.name, accountName: account.name,
      gatewayId: session.gatewayId!, protocol: resource.type === 'ssh' ? 'postern-ssh' as const : 'postern-k8s' as const,
      relay: { id: relay.id, address: relay.clientTlsAddress },
      startedAt: iso(session.startedAt), expiresAt: iso(session.expiresAt),
      relayClientCertificate: created.relayClientCertificate, gatewayClientCertificate: created.gatewayClientCertificate,
      relayServerCaCertificates: created.relayServerCaCertificates, gatewayServerCaCertificates: created.gatewayServerCaCertificates,
    }, 201);
  });
}
