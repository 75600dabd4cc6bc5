import { createRoute } from '@hono/zod-openapi';
import { requireAuth } from '../../http/auth.ts';
import { ErrorBodySchema, bearerAuth, errorResponses, jsonBody, jsonResponse, type App } from '../../http/openapi.ts';
import { OrgIdParams, z } from '../../http/schemas.ts';
import { requireOrgRole } from '../../services/authorization.ts';
import { findGateway } from '../../services/gateways.ts';
import { enrollGateway, revokeGateway, type GatewayCertificates } from '../../services/pki/gateway-enrollment.ts';
import { CertificateLifetime, CsrPem, SshPublicKeyLine, lifetimeBody } from './schemas.ts';

const GatewayEnrollmentRequest = z.object({
  gatewayId: z.uuid().optional().openapi({ description: 'Only when the machine identity is bound to several gateways' }),
  sshPublicKey: SshPublicKeyLine,
  csr: CsrPem,
}).strict().openapi('GatewayEnrollmentRequest');

const GatewayEnrollmentResponse = z.object({
  gatewayId: z.uuid(),
  orgId: z.uuid(),
  relay: z.object({
    id: z.uuid(),
    name: z.string(),
    gatewaySshAddress: z.string().openapi({ description: 'host:port the gateway opens its SSH tunnel to' }),
    clientTlsAddress: z.string(),
  }),
  sshCertificate: z.string().openapi({ description: 'OpenSSH user certificate for the relay: principal = gateway id, key id names the org' }),
  relaySshServerCaPublicKeys: z.array(z.string()).openapi({ description: "Check the relay's SSH host certificate against these (@cert-authority)" }),
  tlsCertificate: z.string().openapi({ description: 'Inner TLS server certificate (Org Gateway Server CA, URI SAN urn:postern:gateway:<id>)' }),
  gatewayServerCaCertificate: z.string(),
  gatewayClientCaCertificates: z.array(z.string()).openapi({ description: "Require clients' session certificates to chain to these" }),
  ...CertificateLifetime,
}).openapi('GatewayEnrollmentResponse');

const base = { tags: ['enrollment'], middleware: [requireAuth], security: bearerAuth };

const enrollRoute = createRoute({
  ...base, method: 'post', path: '/api/v1/gateways/enroll', summary: "Enroll a gateway (its machine identity's token)",
  description: 'The gateway sends its own SSH public key and a CSR; no private key travels. Enrolling again re-issues everything (a gateway that lost its disk).',
  request: { body: jsonBody(GatewayEnrollmentRequest) },
  responses: { 200: jsonResponse(GatewayEnrollmentResponse, 'Enrolled'), ...errorResponses(400, 401, 403, 404, 413, 422), 503: jsonResponse(ErrorBodySchema, 'No relay is enrolled yet (`no_relay_available`)') },
});
const renewRoute = createRoute({
  ...base, method: 'post', path: '/api/v1/gateways/renew', summary: "Renew an enrolled gateway's certificates before they expire",
  request: { body: jsonBody(GatewayEnrollmentRequest) },
  responses: { 200: jsonResponse(GatewayEnrollmentResponse, 'Renewed'), ...errorResponses(400, 401, 403, 404, 409, 413, 422) },
});
const revokeRoute = createRoute({
  ...base, method: 'post', path: '/api/v1/orgs/{orgId}/gateways/{gatewayId}/revoke', summary: 'Revoke a gateway for good (org owner, admin)',
  request: { params: OrgIdParams.extend({ gatewayId: z.uuid().openapi({ param: { name: 'gatewayId', in: 'path' } }) }) },
  responses: { 200: jsonResponse(z.object({ gatewayId: z.uuid(), revokedAt: z.iso.datetime() }), 'Revoked'), ...errorResponses(400, 401, 403, 404) },
});

const enrollmentBody = (issued: GatewayCertificates) => ({
  gatewayId: issued.gateway.id,
  orgId: issued.gateway.orgId,
  relay: { id: issued.relay.id, name: issued.relay.name, gatewaySshAddress: issued.relay.gatewaySshAddress, clientTlsAddress: issued.relay.clientTlsAddress },
  sshCertificate: issued.sshCertificate,
  relaySshServerCaPublicKeys: issued.relaySshServerCaPublicKeys,
  tlsCertificate: issued.tlsCertificate,
  gatewayServerCaCertificate: issued.gatewayServerCaCertificate,
  gatewayClientCaCertificates: issued.gatewayClientCaCertificates,
  ...lifetimeBody(issued),
});

export function register(app: App): void {
  app.openapi(enrollRoute, async (c) => {
    const issued = await enrollGateway(c.var.deps, c.var.principal, c.req.valid('json'), 'enroll');
    return c.json(enrollmentBody(issued), 200);
  });
  app.openapi(renewRoute, async (c) => {
    const issued = await enrollGateway(c.var.deps, c.var.principal, c.req.valid('json'), 'renew');
    return c.json(enrollmentBody(issued), 200);
  });
  app.openapi(revokeRoute, async (c) => {
    const { orgId, gatewayId } = c.req.valid('param');
    await requireOrgRole(c, orgId, ['owner', 'admin']);
    const gateway = await findGateway(c.var.deps.db, orgId, gatewayId);
    const revokedAt = await revokeGateway(c.var.deps, c.var.principal, gateway);
    return c.json({ gatewayId, revokedAt: revokedAt.toISOString() }, 200);
  });
}
