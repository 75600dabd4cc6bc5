import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accounts, auditLogs } from '../../db/schema/index.ts';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { kubernetesResourceInput, seedPamWorld, sshResourceInput, type PamWorld } from '../../test/pam-fixtures.ts';

describe('accounts: secrets stay secret and roles hold', () => {
  let server: TestServer;
  let world: PamWorld;
  let accountId: string;
  const password = 'Pw-7c1e0f-never-shown';
  const token = 'sa-token-5b2d-never-shown';
  let privateKeyBody: string;

  beforeAll(async () => {
    server = await createTestServer();
    world = await seedPamWorld(server);
    const admin = world.users.admin.token;
    const dir = mkdtempSync(join(tmpdir(), 'postern-acct-'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'key-passphrase-never-shown', '-f', join(dir, 'id')]);
    const privateKey = readFileSync(join(dir, 'id'), 'utf8');
    privateKeyBody = privateKey.split('\n')[2]!;
    const sshId = (await server.post('/api/v1/pam/resources/ssh', sshResourceInput(world), admin)).body.id;
    const k8sId = (await server.post('/api/v1/pam/resources/kubernetes', kubernetesResourceInput(world), admin)).body.id;
    accountId = (await server.post('/api/v1/pam/accounts', { resourceId: sshId, name: 'pw', credential: { type: 'ssh-password', username: 'u', password } }, admin)).body.id;
    await server.post('/api/v1/pam/accounts', { resourceId: sshId, name: 'key', credential: { type: 'ssh-key', username: 'u', privateKey, passphrase: 'key-passphrase-never-shown' } }, admin);
    await server.post('/api/v1/pam/accounts', { resourceId: k8sId, name: 'sa', credential: { type: 'kubernetes-token', token } }, admin);
    // A refused write with a secret in it must not echo the secret back either.
    await server.post('/api/v1/pam/accounts', { resourceId: sshId, name: 'pw', credential: { type: 'ssh-password', username: 'u', password } }, admin);
    await server.post('/api/v1/pam/accounts', { resourceId: sshId, name: 'bad', credential: { type: 'ssh-key', username: 'u', privateKey, passphrase: 'wrong-passphrase-never-shown' } }, admin);
    for (const who of [admin, world.users.member.token, world.users.auditor.token]) {
      await server.get(`/api/v1/pam/accounts?projectId=${world.a.project.id}`, who);
      await server.get(`/api/v1/pam/accounts/${accountId}`, who);
    }
    await server.get('/api/v1/openapi.json');
  });
  afterAll(() => server?.close());

  it('never returns, logs or audits a password, key, passphrase or token', async () => {
    const secrets = [password, token, privateKeyBody, 'key-passphrase-never-shown', 'wrong-passphrase-never-shown'];
    const auditText = JSON.stringify(await server.db.select().from(auditLogs));
    const storedText = JSON.stringify(await server.db.select().from(accounts));
    expect(server.responses.length).toBeGreaterThan(10);
    expect(server.logs.length).toBeGreaterThan(10);
    for (const secret of secrets) {
      for (const text of [...server.responses, ...server.logs, auditText, storedText]) expect(text).not.toContain(secret);
    }
  });

  const matrix: Array<['member' | 'auditor' | 'outsider', number, number]> = [
    ['member', 200, 403],
    ['auditor', 200, 403],
    ['outsider', 404, 404],
  ];
  it.each(matrix)('%s reads with %i and is refused writes with %i', async (who, read, write) => {
    const t = world.users[who].token;
    const before = await server.tableCounts();
    expect((await server.get(`/api/v1/pam/accounts/${accountId}`, t)).status).toBe(read);
    expect((await server.patch(`/api/v1/pam/accounts/${accountId}`, { name: 'x' }, t)).status).toBe(write);
    expect((await server.patch(`/api/v1/pam/accounts/${accountId}`, { credential: { type: 'ssh-password', username: 'u', password: 'stolen' } }, t)).status).toBe(write);
    expect((await server.delete(`/api/v1/pam/accounts/${accountId}`, t)).status).toBe(write);
    expect(await server.tableCounts()).toEqual(before);
  });

  it("hides one org's accounts from the other org entirely", async () => {
    const other = world.b.owner.token;
    expect((await server.get(`/api/v1/pam/accounts/${accountId}`, other)).body.error.code).toBe('account_not_found');
    expect((await server.get(`/api/v1/pam/accounts?projectId=${world.a.project.id}`, other)).status).toBe(404);
    expect((await server.delete(`/api/v1/pam/accounts/${accountId}`, other)).status).toBe(404);
  });
});
