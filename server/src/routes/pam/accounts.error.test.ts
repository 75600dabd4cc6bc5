import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { kubernetesResourceInput, seedPamWorld, sshResourceInput, type PamWorld } from '../../test/pam-fixtures.ts';

const UNKNOWN = '00000000-0000-4000-8000-000000000000';
const GARBAGE_KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n';

describe('accounts: bad input gets the documented error and changes nothing', () => {
  let server: TestServer;
  let world: PamWorld;
  let token: string;
  let sshId: string;
  let k8sId: string;
  let accountId: string;
  beforeAll(async () => {
    server = await createTestServer({ env: { POSTERN_MAX_BODY_BYTES: '32768' } });
    world = await seedPamWorld(server);
    token = world.users.admin.token;
    sshId = (await server.post('/api/v1/pam/resources/ssh', sshResourceInput(world), token)).body.id;
    k8sId = (await server.post('/api/v1/pam/resources/kubernetes', kubernetesResourceInput(world), token)).body.id;
    accountId = (await server.post('/api/v1/pam/accounts', { resourceId: sshId, name: 'root', credential: { type: 'ssh-password', username: 'root', password: 'x' } }, token)).body.id;
  });
  afterAll(() => server?.close());

  const create = (body: Record<string, unknown>) => server.post('/api/v1/pam/accounts', body, token);
  const cases: Array<[string, () => Promise<{ status: number; body: any }>, number, string, string[]?]> = [
    ['malformed JSON', () => server.request('POST', '/api/v1/pam/accounts', { rawBody: '{"resourceId": ', token }), 400, 'malformed_request'],
    ['a missing credential', () => create({ resourceId: sshId, name: 'a' }), 400, 'validation_failed', ['credential']],
    ['an unknown credential type', () => create({ resourceId: sshId, name: 'a', credential: { type: 'telnet', username: 'a' } }), 400, 'validation_failed'],
    ['a password of the wrong type', () => create({ resourceId: sshId, name: 'a', credential: { type: 'ssh-password', username: 'a', password: 42 } }), 400, 'validation_failed', ['credential.password']],
    ['a private key that does not parse', () => create({ resourceId: sshId, name: 'a', credential: { type: 'ssh-key', username: 'a', privateKey: GARBAGE_KEY } }), 422, 'invalid_private_key'],
    ['a token account on an SSH server', () => create({ resourceId: sshId, name: 'a', credential: { type: 'kubernetes-token', token: 't' } }), 422, 'account_type_mismatch'],
    ['a password account on a cluster', () => create({ resourceId: k8sId, name: 'a', credential: { type: 'ssh-password', username: 'a', password: 'p' } }), 422, 'account_type_mismatch'],
    ['an unknown resource', () => create({ resourceId: UNKNOWN, name: 'a', credential: { type: 'ssh-certificate', username: 'a' } }), 404, 'resource_not_found'],
    ['a duplicate name on the resource', () => create({ resourceId: sshId, name: 'root', credential: { type: 'ssh-certificate', username: 'a' } }), 409, 'conflict'],
    ['an oversized body', () => create({ resourceId: sshId, name: 'a', credential: { type: 'ssh-password', username: 'a', password: 'p'.repeat(40000) } }), 413, 'payload_too_large'],
    ['an unknown account id', () => server.get(`/api/v1/pam/accounts/${UNKNOWN}`, token), 404, 'account_not_found'],
    ['switching an SSH account to a token', () => server.patch(`/api/v1/pam/accounts/${accountId}`, { credential: { type: 'kubernetes-token', token: 't' } }, token), 422, 'account_type_mismatch'],
  ];

  it.each(cases)('%s', async (_label, send, status, code, fields) => {
    const before = await server.tableCounts();
    const response = await send();
    expect(response.status).toBe(status);
    expect(response.body.error.code).toBe(code);
    if (fields) expect(response.body.error.details.fields).toEqual(fields);
    expect(await server.tableCounts()).toEqual(before);
  });
});
