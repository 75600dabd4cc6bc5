import { createHash, timingSafeEqual } from 'node:crypto';
import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { ForbiddenError, NotFoundError, UnauthenticatedError } from '@postern/shared/errors';
import type { AppEnv } from '../../deps.ts';
import { bearerAuth, errorResponses, jsonBody, jsonResponse, type App } from '../../http/openapi.ts';
import { NameSchema, z } from '../../http/schemas.ts';
import { requireOrgRole } from '../../services/authorization.ts';
import {
  enrollRelay, findCallersRelay, findOrgRelay, renewRelay, revokeRelay, type RelayCaller, type RelayCertificates,
} from '../../services/pki/relay-enrollment.ts';
import { authenticateAccessToken } from '../../services/tokens.ts';
import { CertificateLifetime, CsrPem, HostPort, SshPublicKeyLine, lifetimeBody } from './schemas.ts';

const RelayKeysRequest = z.object({ sshHostPublicKey: SshPublicKeyLine, csr: CsrPem }).strict();
const RelayEnrollmentRequest = RelayKeysRequest.extend({
  name: NameSchema,
  clientTlsAddress: HostPort.optional().openapi({ description: 'Where clients reach the relay (required for a customer relay; a managed relay defaults to the server config)' }),
  gatewaySshAddress: HostPort.optional(),
}).strict().openapi('RelayEnrollmentRequest');

const RelayEnrollmentResponse = z.object({
  relayId: z.uuid(),
  name: z.string(),
  scope: z.enum(['instance', 'org']),
  orgId: z.uuid().nullable(),
  clientTlsAddress: z.string(),
  gatewaySshAddress: z.string(),
  sshHostCertificate: z.string().openapi({ description: 'OpenSSH host certificate (Relay SSH Server CA)' }),
  tlsCertificate: z.string().openapi({ description: 'TLS server certificate (Relay PKI Server CA)' }),
  relaySshClientCaPublicKeys: z.array(z.string()).openapi({ description: "Accept gateways' SSH user certificates from these CAs (principal = gateway id)" }),
  relayPkiClientCaCertificates: z.array(z.string()).openapi({ description: "Accept clients' TLS certificates from these CAs (they carry the org id)" }),
  relayPkiServerCaCertificate: z.string(),
  relaySshServerCaPublicKey: z.string(),
  ...CertificateLifetime,
}).openapi('RelayEnrollmentResponse');

const RelayParams = z.object({ relayId: z.uuid().openapi({ param: { name: 'relayId', in: 'path' } }) });
const base = { tags: ['enrollment'], security: bearerAuth };
const description = 'Bearer token: the instance relay enrollment token (POSTERN_RELAY_ENROLLMENT_TOKEN) for a managed relay, or an org machine identity access token for a customer relay.';

const enrollRoute = createRoute({
  ...base, method: 'post', path: '/api/v1/relays/enroll', summary: 'Enroll a relay', description,
  request: { body: jsonBody(RelayEnrollmentRequest) },
  responses: { 200: jsonResponse(RelayEnrollmentResponse, 'Enrolled'), ...errorResponses(400, 401, 403, 409, 413, 422) },
});
const renewRoute = createRoute({
  ...base, method: 'post', path: '/api/v1/relays/{relayId}/renew', summary: "Renew a relay's certificates", description,
  request: { params: RelayParams, body: jsonBody(RelayKeysRequest.openapi('RelayRenewRequest')) },
  responses: { 200: jsonResponse(RelayEnrollmentResponse, 'Renewed'), ...errorResponses(400, 401, 403, 404, 413) },
});
const revokeRoute = createRoute({
  ...base, method: 'post', path: '/api/v1/relays/{relayId}/revoke', summary: 'Revoke a relay',
  description: 'A managed relay: with the instance enrollment token. A customer relay: an owner or admin of its org.',
  request: { params: RelayParams },
  responses: { 200: jsonResponse(z.object({ relayId: z.uuid(), revokedAt: z.iso.datetime() }), 'Revoked'), ...errorResponses(400, 401, 403, 404) },
});

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();

function bearerToken(c: Context<AppEnv>): string {
  const match = /^Bearer (\S+)$/.exec(c.req.header('authorization')?.trim() ?? '');
  if (!match) throw new UnauthenticatedError('Send "Authorization: Bearer <relay enrollment token or machine identity access token>".');
  return match[1]!;
}

function isInstanceToken(c: Context<AppEnv>, token: string): boolean {
  const expected = c.var.deps.config.pki.relayEnrollmentToken;
  // Hashes first, so the comparison takes the same time whatever the lengths.
  return expected !== undefined && timingSafeEqual(sha256(token), sha256(expected));
}

/** Instance token → managed relay; otherwise the token must be an org machine identity's. */
async function relayCaller(c: Context<AppEnv>): Promise<RelayCaller> {
  const token = bearerToken(c);
  if (isInstanceToken(c, token)) return { kind: 'instance' };
  const { principal } = await authenticateAccessToken(c.var.deps.db, token, c.var.deps.clock());
  if (principal.kind !== 'machine') throw new ForbiddenError('Relays enroll with the instance relay token or an org machine identity, not as a user.');
  c.set('principal', principal);
  return { kind: 'org', orgId: principal.orgId, machineIdentityId: principal.identityId };
}

const relayBody = (issued: RelayCertificates) => ({
  relayId: issued.relay.id, name: issued.relay.name, scope: issued.relay.scope, orgId: issued.relay.orgId,
  clientTlsAddress: issued.relay.clientTlsAddress, gatewaySshAddress: issued.relay.gatewaySshAddress,
  sshHostCertificate: issued.sshHostCertificate, tlsCertificate: issued.tlsCertificate,
  relaySshClientCaPublicKeys: issued.relaySshClientCaPublicKeys, relayPkiClientCaCertificates: issued.relayPkiClientCaCertificates,
  relayPkiServerCaCertificate: issued.relayPkiServerCaCertificate, relaySshServerCaPublicKey: issued.relaySshServerCaPublicKey,
  ...lifetimeBody(issued),
});

export function register(app: App): void {
  app.openapi(enrollRoute, async (c) => {
    const issued = await enrollRelay(c.var.deps, await relayCaller(c), c.req.valid('json'));
    return c.json(relayBody(issued), 200);
  });
  app.openapi(renewRoute, async (c) => {
    const issued = await renewRelay(c.var.deps, await relayCaller(c), c.req.valid('param').relayId, c.req.valid('json'));
    return c.json(relayBody(issued), 200);
  });
  app.openapi(revokeRoute, async (c) => {
    const { relayId } = c.req.valid('param');
    const token = bearerToken(c);
    let revoked;
    if (isInstanceToken(c, token)) {
      revoked = await revokeRelay(c.var.deps, { kind: 'system' }, await findCallersRelay(c.var.deps, { kind: 'instance' }, relayId));
    } else {
      const { principal } = await authenticateAccessToken(c.var.deps.db, token, c.var.deps.clock());
      c.set('principal', principal);
      const relay = await findOrgRelay(c.var.deps.db, relayId);
      // 404 for anyone outside the relay's org, 403 for a member or machine identity of it.
      await requireOrgRole(c, relay.orgId!, ['owner', 'admin']).catch((error: unknown) => {
        throw error instanceof NotFoundError ? new NotFoundError('relay', relayId) : error;
      });
      revoked = await revokeRelay(c.var.deps, principal, relay);
    }
    return c.json({ relayId, revokedAt: revoked.revokedAt!.toISOString() }, 200);
  });
}
