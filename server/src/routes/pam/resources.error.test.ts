import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { kubernetesResourceInput, seedPamWorld, sshResourceInput, type PamWorld } from '../../test/pam-fixtures.ts';

const UNKNOWN = '00000000-0000-4000-8000-000000000000';

describe('resources: bad input gets the documented error and changes nothing', () => {
  let server: TestServer;
  let world: PamWorld;
  let token: string;
  let existingId: string;
  let otherId: string;
  beforeAll(async () => {
    server = await createTestServer({ env: { POSTERN_MAX_BODY_BYTES: '4096' } });
    world = await seedPamWorld(server);
    token = world.users.admin.token;
    existingId = (await server.post('/api/v1/pam/resources/ssh', sshResourceInput(world, { name: 'taken' }), token)).body.id;
    otherId = (await server.post('/api/v1/pam/resources/ssh', sshResourceInput(world, { name: 'other' }), token)).body.id;
  });
  afterAll(() => server?.close());

  const cases: Array<[string, () => Promise<{ status: number; body: any }>, number, string, string[]?]> = [
    ['malformed JSON', () => server.request('POST', '/api/v1/pam/resources/ssh', { rawBody: '{"name": "x",', token }), 400, 'malformed_request'],
    ['a port as a string', () => server.post('/api/v1/pam/resources/ssh', sshResourceInput(world, { port: '22' }), token), 400, 'validation_failed', ['port']],
    ['a port out of range', () => server.post('/api/v1/pam/resources/ssh', sshResourceInput(world, { port: 70000 }), token), 400, 'validation_failed', ['port']],
    ['a missing host', () => server.post('/api/v1/pam/resources/ssh', { ...sshResourceInput(world), host: undefined }, token), 400, 'validation_failed', ['host']],
    ['an unknown field', () => server.post('/api/v1/pam/resources/ssh', sshResourceInput(world, { hots: 'x' }), token), 400, 'validation_failed'],
    ['a name with a newline', () => server.post('/api/v1/pam/resources/ssh', sshResourceInput(world, { name: 'a\nb' }), token), 400, 'validation_failed', ['name']],
    ['a JSON array body', () => server.request('POST', '/api/v1/pam/resources/ssh', { rawBody: '[1,2]', token }), 400, 'validation_failed'],
    ['a plain-http Kubernetes URL', () => server.post('/api/v1/pam/resources/kubernetes', kubernetesResourceInput(world, { url: 'http://k:6443' }), token), 400, 'validation_failed', ['url']],
    ['an unknown project', () => server.post('/api/v1/pam/resources/ssh', sshResourceInput(world, { projectId: UNKNOWN }), token), 404, 'project_not_found'],
    ['an unknown gateway', () => server.post('/api/v1/pam/resources/ssh', sshResourceInput(world, { gatewayId: UNKNOWN }), token), 422, 'gateway_not_found'],
    ["another org's gateway", () => server.post('/api/v1/pam/resources/ssh', sshResourceInput(world, { gatewayId: world.b.gateway.id }), token), 422, 'gateway_not_found'],
    ['a duplicate name', () => server.post('/api/v1/pam/resources/ssh', sshResourceInput(world, { name: 'taken' }), token), 409, 'conflict'],
    ['an oversized body', () => server.post('/api/v1/pam/resources/ssh', sshResourceInput(world, { description: 'x'.repeat(5000) }), token), 413, 'payload_too_large'],
    ['an unknown resource id', () => server.patch(`/api/v1/pam/resources/ssh/${UNKNOWN}`, { port: 23 }, token), 404, 'resource_not_found'],
    ['a resource id that is not a UUID', () => server.get('/api/v1/pam/resources/ssh/1%20or%201=1', token), 400, 'validation_failed'],
    ['an SSH id on the Kubernetes route', () => server.get(`/api/v1/pam/resources/kubernetes/${existingId}`, token), 404, 'resource_not_found'],
    ['renaming onto a taken name', () => server.patch(`/api/v1/pam/resources/ssh/${otherId}`, { name: 'taken' }, token), 409, 'conflict'],
    ['a list without projectId', () => server.get('/api/v1/pam/resources', token), 400, 'validation_failed', ['projectId']],
  ];

  it.each(cases)('%s', async (_label, send, status, code, fields) => {
    const before = await server.tableCounts();
    const response = await send();
    expect(response.status).toBe(status);
    expect(response.body.error.code).toBe(code);
    expect(response.body.error.message.length).toBeGreaterThan(10);
    if (fields) expect(response.body.error.details.fields).toEqual(fields);
    expect(await server.tableCounts()).toEqual(before);
  });

  it('leaves the resource unchanged after a refused update', async () => {
    const before = (await server.get(`/api/v1/pam/resources/ssh/${existingId}`, token)).body;
    expect((await server.patch(`/api/v1/pam/resources/ssh/${existingId}`, { port: 0, name: 'new' }, token)).status).toBe(400);
    expect((await server.patch(`/api/v1/pam/resources/ssh/${existingId}`, { gatewayId: world.b.gateway.id }, token)).status).toBe(422);
    expect((await server.get(`/api/v1/pam/resources/ssh/${existingId}`, token)).body).toEqual(before);
  });
});
