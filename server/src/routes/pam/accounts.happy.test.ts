import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accounts } from '../../db/schema/index.ts';
import { readAccountSecret } from '../../services/accounts.ts';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { kubernetesResourceInput, seedPamWorld, sshResourceInput, type PamWorld } from '../../test/pam-fixtures.ts';

function newPrivateKey(): { privateKey: string; publicKey: string } {
  const dir = mkdtempSync(join(tmpdir(), 'postern-acct-'));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', '', '-f', join(dir, 'id')]);
  return { privateKey: readFileSync(join(dir, 'id'), 'utf8'), publicKey: readFileSync(join(dir, 'id.pub'), 'utf8').trim() };
}

describe('accounts: happy paths', () => {
  let server: TestServer;
  let world: PamWorld;
  let token: string;
  let sshId: string;
  let k8sId: string;
  beforeAll(async () => {
    server = await createTestServer();
    world = await seedPamWorld(server);
    token = world.users.admin.token;
    sshId = (await server.post('/api/v1/pam/resources/ssh', sshResourceInput(world), token)).body.id;
    k8sId = (await server.post('/api/v1/pam/resources/kubernetes', kubernetesResourceInput(world), token)).body.id;
  });
  afterAll(() => server?.close());

  const rowOf = async (id: string) => (await server.db.select().from(accounts).where(eq(accounts.id, id)))[0]!;

  it('stores a password account encrypted and returns only that a secret exists', async () => {
    const created = await server.post('/api/v1/pam/accounts', { resourceId: sshId, name: 'ubuntu', credential: { type: 'ssh-password', username: 'ubuntu', password: 'pw-in-the-vault-1' } }, token);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ type: 'ssh-password', username: 'ubuntu', hasSecret: true, publicKey: null, resourceId: sshId, projectId: world.a.project.id });
    expect(created.text).not.toContain('pw-in-the-vault-1');
    const row = await rowOf(created.body.id);
    expect(JSON.stringify(row)).not.toContain('pw-in-the-vault-1');
    expect(await readAccountSecret(server.deps.vault, row)).toEqual({ password: 'pw-in-the-vault-1' });
  });

  it('shows the public half of a key account so the admin can install it', async () => {
    const key = newPrivateKey();
    const created = await server.post('/api/v1/pam/accounts', { resourceId: sshId, name: 'deploy', credential: { type: 'ssh-key', username: 'deploy', privateKey: key.privateKey } }, token);
    expect(created.status).toBe(201);
    expect(created.body.publicKey).toBe(key.publicKey);
    expect(created.body.publicKeyFingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(created.text).not.toContain('PRIVATE KEY');
  });

  it('keeps the credential on rename and replaces it when a new one is sent', async () => {
    const created = await server.post('/api/v1/pam/accounts', { resourceId: sshId, name: 'ops', credential: { type: 'ssh-password', username: 'ops', password: 'first-secret' } }, token);
    const renamed = await server.patch(`/api/v1/pam/accounts/${created.body.id}`, { name: 'ops-renamed' }, token);
    expect(renamed.body).toMatchObject({ name: 'ops-renamed', username: 'ops', hasSecret: true });
    expect(await readAccountSecret(server.deps.vault, await rowOf(created.body.id))).toEqual({ password: 'first-secret' });

    const switched = await server.patch(`/api/v1/pam/accounts/${created.body.id}`, { credential: { type: 'ssh-certificate', username: 'root' } }, token);
    expect(switched.body).toMatchObject({ type: 'ssh-certificate', username: 'root', hasSecret: false });
    expect(await readAccountSecret(server.deps.vault, await rowOf(created.body.id))).toBeNull();
  });

  it('holds a service-account token for a Kubernetes resource', async () => {
    const created = await server.post('/api/v1/pam/accounts', { resourceId: k8sId, name: 'viewer', credential: { type: 'kubernetes-token', token: 'eyJhbGciOiJSUzI1NiJ9.sa-token.sig' } }, token);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ type: 'kubernetes-token', username: null, hasSecret: true });
    expect(await readAccountSecret(server.deps.vault, await rowOf(created.body.id))).toEqual({ token: 'eyJhbGciOiJSUzI1NiJ9.sa-token.sig' });
  });

  it('lists accounts of a project or of one resource, and deleting a resource deletes its accounts', async () => {
    const all = await server.get(`/api/v1/pam/accounts?projectId=${world.a.project.id}`, token);
    const ofK8s = await server.get(`/api/v1/pam/accounts?projectId=${world.a.project.id}&resourceId=${k8sId}`, token);
    expect(all.body.accounts.length).toBe(4);
    expect(ofK8s.body.accounts.map((a: { name: string }) => a.name)).toEqual(['viewer']);

    expect((await server.delete(`/api/v1/pam/resources/kubernetes/${k8sId}`, token)).status).toBe(204);
    expect((await server.get(`/api/v1/pam/accounts?projectId=${world.a.project.id}`, token)).body.accounts.length).toBe(3);
  });

  it('deletes an account', async () => {
    const created = await server.post('/api/v1/pam/accounts', { resourceId: sshId, name: 'temp', credential: { type: 'ssh-certificate', username: 'temp' } }, token);
    expect((await server.delete(`/api/v1/pam/accounts/${created.body.id}`, token)).status).toBe(204);
    expect((await server.get(`/api/v1/pam/accounts/${created.body.id}`, token)).status).toBe(404);
  });
});
