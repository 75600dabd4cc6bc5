import { createRoute } from '@hono/zod-openapi';
import { requireAuth } from '../../http/auth.ts';
import { bearerAuth, errorResponses, type App } from '../../http/openapi.ts';
import { z } from '../../http/schemas.ts';
import { READ_ROLES, requireResourceRole } from '../../services/pam-access.ts';
import { sshCa } from '../../services/pki/ca-store.ts';
import { sshCaSetupScript } from '../../services/pki/ssh-ca-setup-script.ts';

/**
 * A resource's SSH user CA, for certificate accounts: its public key (created on the first call,
 * the same key on every later call) and a script that makes the target's sshd trust it.
 */

const params = z.object({ resourceId: z.uuid().openapi({ param: { name: 'resourceId', in: 'path' } }) });
const base = { tags: ['resources'], middleware: [requireAuth], security: bearerAuth, request: { params } };

const publicKeyRoute = createRoute({
  ...base, method: 'get', path: '/api/v1/pam/resources/ssh/{resourceId}/ssh-ca-public-key', summary: "The resource's SSH user CA public key (any project role)",
  description: 'One OpenSSH public key line, for TrustedUserCAKeys. Creates the CA on first call.',
  responses: { 200: { description: 'The CA public key line', content: { 'text/plain': { schema: z.string() } } }, ...errorResponses(400, 401, 403, 404) },
});
const setupRoute = createRoute({
  ...base, method: 'get', path: '/api/v1/pam/resources/ssh/{resourceId}/ssh-ca-setup', summary: "A shell script that makes the server's sshd trust the resource's SSH user CA",
  description: 'Run it as root on the target: `curl -fsS -H "Authorization: Bearer $TOKEN" <url> | sudo sh`. Idempotent; validates with sshd -t and backs out on failure.',
  responses: { 200: { description: 'POSIX shell script', content: { 'text/x-shellscript': { schema: z.string() } } }, ...errorResponses(400, 401, 403, 404) },
});

export function register(app: App): void {
  app.openapi(publicKeyRoute, async (c) => {
    const resource = await requireResourceRole(c, c.req.valid('param').resourceId, READ_ROLES, 'ssh');
    const ca = await sshCa(c.var.deps, { scope: 'resource', orgId: resource.orgId, resourceId: resource.id }, 'resource-ssh-user', c.var.principal);
    return c.text(`${ca.publicKeyLine}\n`, 200);
  });
  app.openapi(setupRoute, async (c) => {
    const resource = await requireResourceRole(c, c.req.valid('param').resourceId, READ_ROLES, 'ssh');
    const ca = await sshCa(c.var.deps, { scope: 'resource', orgId: resource.orgId, resourceId: resource.id }, 'resource-ssh-user', c.var.principal);
    const script = sshCaSetupScript({ caPublicKeyLine: ca.publicKeyLine, resourceId: resource.id, resourceName: resource.name });
    return c.body(script, 200, { 'content-type': 'text/x-shellscript; charset=utf-8' });
  });
}
