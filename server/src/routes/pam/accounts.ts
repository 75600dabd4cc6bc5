import { createRoute } from '@hono/zod-openapi';
import { zAccount, zCreateAccount, zUpdateAccount } from '@postern/shared/schemas/accounts';
import { zId } from '@postern/shared/schemas/names';
import { requireAuth } from '../../http/auth.ts';
import { bearerAuth, errorResponses, jsonBody, jsonResponse, type App } from '../../http/openapi.ts';
import { noContent, z } from '../../http/schemas.ts';
import { accountBody, createAccount, deleteAccount, listAccounts, updateAccount } from '../../services/accounts.ts';
import { requireProjectRole } from '../../services/authorization.ts';
import { EDIT_ROLES, READ_ROLES, requireAccountRole, requireResourceRole } from '../../services/pam-access.ts';

const base = { tags: ['accounts'], middleware: [requireAuth], security: bearerAuth };
const path = '/api/v1/pam/accounts';
const params = z.object({ accountId: z.uuid().openapi({ param: { name: 'accountId', in: 'path' } }) });
const secretsNote = 'Secrets (password, private key, passphrase, token) are write-only: stored encrypted and never returned.';

const listRoute = createRoute({
  ...base, method: 'get', path, summary: "A project's accounts, optionally of one resource (any project role)",
  request: { query: z.object({ projectId: zId, resourceId: zId.optional() }) },
  responses: { 200: jsonResponse(z.object({ accounts: z.array(zAccount) }), 'Accounts, by name'), ...errorResponses(400, 401, 403, 404) },
});
const createAccountRoute = createRoute({
  ...base, method: 'post', path, summary: 'Create an account on a resource (project admin)', description: secretsNote,
  request: { body: jsonBody(zCreateAccount) },
  responses: { 201: jsonResponse(zAccount, 'Created'), ...errorResponses(400, 401, 403, 404, 409, 413, 422) },
});
const getRoute = createRoute({
  ...base, method: 'get', path: `${path}/{accountId}`, summary: 'One account, without its secret (any project role)',
  request: { params },
  responses: { 200: jsonResponse(zAccount, 'The account'), ...errorResponses(400, 401, 403, 404) },
});
const updateRoute = createRoute({
  ...base, method: 'patch', path: `${path}/{accountId}`, summary: 'Rename an account or replace its credential (project admin)', description: secretsNote,
  request: { params, body: jsonBody(zUpdateAccount) },
  responses: { 200: jsonResponse(zAccount, 'Updated'), ...errorResponses(400, 401, 403, 404, 409, 413, 422) },
});
const deleteRoute = createRoute({
  ...base, method: 'delete', path: `${path}/{accountId}`, summary: 'Delete an account (project admin)',
  request: { params },
  responses: { 204: noContent, ...errorResponses(400, 401, 403, 404) },
});

export function register(app: App): void {
  app.openapi(listRoute, async (c) => {
    const { projectId, resourceId } = c.req.valid('query');
    await requireProjectRole(c, projectId, READ_ROLES);
    return c.json({ accounts: (await listAccounts(c.var.deps.db, projectId, resourceId)).map(accountBody) }, 200);
  });
  app.openapi(createAccountRoute, async (c) => {
    const { resourceId, ...input } = c.req.valid('json');
    const resource = await requireResourceRole(c, resourceId, EDIT_ROLES);
    const { db, vault, clock } = c.var.deps;
    return c.json(accountBody(await createAccount(db, vault, c.var.principal, resource, input, clock())), 201);
  });
  app.openapi(getRoute, async (c) => {
    return c.json(accountBody(await requireAccountRole(c, c.req.valid('param').accountId, READ_ROLES)), 200);
  });
  app.openapi(updateRoute, async (c) => {
    const existing = await requireAccountRole(c, c.req.valid('param').accountId, EDIT_ROLES);
    const resource = await requireResourceRole(c, existing.resourceId, EDIT_ROLES);
    const { db, vault, clock } = c.var.deps;
    return c.json(accountBody(await updateAccount(db, vault, c.var.principal, existing, resource, c.req.valid('json'), clock())), 200);
  });
  app.openapi(deleteRoute, async (c) => {
    const existing = await requireAccountRole(c, c.req.valid('param').accountId, EDIT_ROLES);
    await deleteAccount(c.var.deps.db, c.var.principal, existing, c.var.deps.clock());
    return c.body(null, 204);
  });
}
