import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { kubernetesResourceInput, seedPamWorld, sshResourceInput, type PamWorld } from '../../test/pam-fixtures.ts';
import { auditLogs } from '../../db/schema/index.ts';
import { eq } from 'drizzle-orm';

const CA_PEM = '-----BEGIN CERTIFICATE-----\nMIIBdzCCAR2gAwIBAgIUTest\n-----END CERTIFICATE-----\n';

describe('resources: happy paths', () => {
  let server: TestServer;
  let world: PamWorld;
  let token: string;
  beforeAll(async () => {
    server = await createTestServer();
    world = await seedPamWorld(server);
    token = world.users.admin.token;
  });
  afterAll(() => server?.close());

  it('creates, reads, changes and deletes an SSH resource, auditing each change', async () => {
    const created = await server.post('/api/v1/pam/resources/ssh', sshResourceInput(world, { name: 'web' }), token);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ type: 'ssh', name: 'web', host: 'web-1.internal', port: 22, gatewayId: world.a.gateway.id, orgId: world.a.org.id });
    const id = created.body.id as string;

    expect((await server.get(`/api/v1/pam/resources/ssh/${id}`, token)).body).toEqual(created.body);

    const changed = await server.patch(`/api/v1/pam/resources/ssh/${id}`, { port: 2222, description: 'front web' }, token);
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ name: 'web', host: 'web-1.internal', port: 2222, description: 'front web' });

    expect((await server.delete(`/api/v1/pam/resources/ssh/${id}`, token)).status).toBe(204);
    expect((await server.get(`/api/v1/pam/resources/ssh/${id}`, token)).status).toBe(404);

    const audit = await server.db.select().from(auditLogs).where(eq(auditLogs.targetId, id));
    expect(audit.map((row) => row.action).sort()).toEqual(['resource.create', 'resource.delete', 'resource.update']);
    expect(audit.every((row) => row.actorId === world.users.admin.user.id && row.projectId === world.a.project.id)).toBe(true);
  });

  it('keeps TLS settings of a Kubernetes resource and warns when verification is off', async () => {
    const verified = await server.post('/api/v1/pam/resources/kubernetes', kubernetesResourceInput(world, { tls: { verify: true, caCertificate: CA_PEM } }), token);
    expect(verified.status).toBe(201);
    expect(verified.body).toMatchObject({ type: 'kubernetes', url: 'https://10.0.0.1:6443', tls: { verify: true, caCertificate: CA_PEM }, warnings: [] });

    const skipped = await server.patch(`/api/v1/pam/resources/kubernetes/${verified.body.id}`, { tls: { verify: false } }, token);
    expect(skipped.body.tls).toEqual({ verify: false });
    expect(skipped.body.warnings[0]).toMatch(/TLS verification .* is off/);

    const byDefault = await server.post('/api/v1/pam/resources/kubernetes', kubernetesResourceInput(world), token);
    expect(byDefault.body.tls).toEqual({ verify: true });
  });

  it('stores SQL-looking and unicode names verbatim and finds them by substring', async () => {
    const names = ["x'); DROP TABLE resources; --", 'データベース 100%_done', 'plain'];
    for (const name of names) expect((await server.post('/api/v1/pam/resources/ssh', sshResourceInput(world, { name }), token)).status).toBe(201);
    const all = await server.get(`/api/v1/pam/resources?projectId=${world.a.project.id}&type=ssh`, token);
    expect(all.body.resources.map((r: { name: string }) => r.name)).toEqual(expect.arrayContaining(names));
    const found = await server.get(`/api/v1/pam/resources?projectId=${world.a.project.id}&search=${encodeURIComponent('100%_')}`, token);
    expect(found.body.resources.map((r: { name: string }) => r.name)).toEqual(['データベース 100%_done']);
    const noWildcard = await server.get(`/api/v1/pam/resources?projectId=${world.a.project.id}&search=${encodeURIComponent('%')}`, token);
    expect(noWildcard.body.resources.map((r: { name: string }) => r.name)).toEqual(['データベース 100%_done']);
  });

  it('lists by type, sorted by name', async () => {
    const list = await server.get(`/api/v1/pam/resources?projectId=${world.a.project.id}&type=kubernetes`, token);
    expect(list.status).toBe(200);
    expect(list.body.resources.length).toBeGreaterThan(0);
    expect(list.body.resources.every((r: { type: string }) => r.type === 'kubernetes')).toBe(true);
    const names = list.body.resources.map((r: { name: string }) => r.name);
    expect([...names].sort()).toEqual(names);
  });

  it('lets the same name exist in two projects', async () => {
    const other = await server.seedProject(world.a.org.id, { name: 'second' });
    expect((await server.post('/api/v1/pam/resources/ssh', sshResourceInput(world, { name: 'shared-name' }), token)).status).toBe(201);
    const second = await server.post('/api/v1/pam/resources/ssh', sshResourceInput(world, { name: 'shared-name', projectId: other.id }), world.users.orgAdmin.token);
    expect(second.status).toBe(201);
  });
});
