import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { readSessionParameters } from '@postern/shared/pki/index';
import { auditLogs, pamSessions } from '../../db/schema/index.ts';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { sshResourceInput } from '../../test/pam-fixtures.ts';
import { PKI_ENV, makeRequesterKeys, seedPkiWorld, type PkiWorld } from '../../services/pki/pki-world.test-support.ts';

describe('sessions by name: projectId + resourceName + accountName in one call', () => {
  let server: TestServer;
  let world: PkiWorld;
  const resource = { id: '', name: '' };
  let accountId: string;
  const client = makeRequesterKeys('client');

  beforeAll(async () => {
    server = await createTestServer({ env: PKI_ENV });
    world = await seedPkiWorld(server);
    const admin = world.users.admin.token;
    Object.assign(resource, (await server.post('/api/v1/pam/resources/ssh', sshResourceInput(world), admin)).body);
    accountId = (await server.post('/api/v1/pam/accounts', { resourceId: resource.id, name: 'ops', credential: { type: 'ssh-certificate', username: 'deploy' } }, admin)).body.id;
    // Another resource with an account of the same name: the resource name decides which one.
    const other = (await server.post('/api/v1/pam/resources/ssh', sshResourceInput(world), admin)).body.id;
    await server.post('/api/v1/pam/accounts', { resourceId: other, name: 'ops', credential: { type: 'ssh-certificate', username: 'other' } }, admin);
  });
  afterAll(() => server?.close());

  const open = (names: Record<string, unknown>) => server.post('/api/v1/pam/sessions', { projectId: world.a.project.id, durationSeconds: 600, csr: client.csr, ...names }, world.users.member.token);

  it('opens the same session as the id form: the named account, certificates, session row and audit', async () => {
    const res = await open({ resourceName: resource.name, accountName: 'ops', resourceType: 'ssh' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ resourceId: resource.id, accountId, projectId: world.a.project.id, gatewayId: world.a.gateway.id, protocol: 'postern-ssh' });
    expect(readSessionParameters(res.body.gatewayClientCertificate)).toMatchObject({ sessionId: res.body.sessionId, resourceId: resource.id, accountId });
    const [row] = await server.db.select().from(pamSessions).where(eq(pamSessions.id, res.body.sessionId));
    expect(row).toMatchObject({ resourceId: resource.id, accountId, userId: world.users.member.user.id, status: 'active' });
    const audit = await server.db.select().from(auditLogs).where(eq(auditLogs.targetId, res.body.sessionId));
    expect(audit.map((entry) => entry.action)).toEqual(['session.create']);
  });

  it('takes ids in the name fields too (what the CLI has always accepted)', async () => {
    const res = await open({ resourceName: resource.id, accountName: accountId });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ resourceId: resource.id, accountId });
  });

  it('the id form still works', async () => {
    const res = await server.post('/api/v1/pam/sessions', { accountId, durationSeconds: 600, csr: client.csr }, world.users.member.token);
    expect(res.status).toBe(201);
    expect(res.body.accountId).toBe(accountId);
  });
});
