import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { kubernetesResourceInput, sshResourceInput } from '../../test/pam-fixtures.ts';
import { PKI_ENV, makeRequesterKeys, seedPkiWorld, type PkiWorld, itRefusesWithoutChange, type RefusalCase } from '../../services/pki/pki-world.test-support.ts';

const UNKNOWN = '00000000-0000-4000-8000-000000000000';

describe('sessions by name: what is missing or wrong gets the documented error and changes nothing', () => {
  let server: TestServer;
  let world: PkiWorld;
  const names = { resource: '', kubernetes: '' };
  let accountId: string;
  const client = makeRequesterKeys('client');

  beforeAll(async () => {
    server = await createTestServer({ env: PKI_ENV });
    world = await seedPkiWorld(server);
    const admin = world.users.admin.token;
    const resource = (await server.post('/api/v1/pam/resources/ssh', sshResourceInput(world), admin)).body;
    names.resource = resource.name;
    accountId = (await server.post('/api/v1/pam/accounts', { resourceId: resource.id, name: 'ops', credential: { type: 'ssh-certificate', username: 'deploy' } }, admin)).body.id;
    names.kubernetes = (await server.post('/api/v1/pam/resources/kubernetes', kubernetesResourceInput(world), admin)).body.name;
  });
  afterAll(() => server?.close());

  const body = (overrides: Record<string, unknown> = {}) => ({ projectId: world.a.project.id, resourceName: names.resource, accountName: 'ops', durationSeconds: 600, csr: client.csr, ...overrides });
  const create = (b: Record<string, unknown>) => server.post('/api/v1/pam/sessions', b, world.users.member.token);
  const without = (field: string) => Object.fromEntries(Object.entries(body()).filter(([key]) => key !== field));
  const cases: RefusalCase[] = [
    ['an unknown resource name', () => create(body({ resourceName: 'no-such-host' })), 404, 'resource_not_found'],
    ['an unknown account name on a known resource', () => create(body({ accountName: 'nobody' })), 404, 'account_not_found'],
    ['an unknown project', () => create(body({ projectId: UNKNOWN })), 404, 'project_not_found'],
    ['a Kubernetes resource asked for as SSH', () => create(body({ resourceName: names.kubernetes, resourceType: 'ssh' })), 400, 'not_ssh_resource'],
    ['names and an accountId together', () => create(body({ accountId })), 400, 'validation_failed'],
    ['names with a resourceId', () => create(body({ resourceId: UNKNOWN })), 400, 'validation_failed'],
    ['no projectId', () => create(without('projectId')), 400, 'validation_failed'],
    ['no resourceName', () => create(without('resourceName')), 400, 'validation_failed'],
    ['no accountName', () => create(without('accountName')), 400, 'validation_failed'],
    ['an empty resource name', () => create(body({ resourceName: '' })), 400, 'validation_failed'],
    ['an unknown resource type', () => create(body({ resourceType: 'postgres' })), 400, 'validation_failed'],
  ];

  itRefusesWithoutChange(() => server, cases);

  it('the 404 names what is missing', async () => {
    expect((await create(body({ resourceName: 'no-such-host' }))).body.error.message).toContain('"no-such-host"');
    expect((await create(body({ accountName: 'nobody' }))).body.error.message).toContain('"nobody"');
  });

  it('the wrong-type refusal names the command to use', async () => {
    const res = await create(body({ resourceName: names.kubernetes, resourceType: 'ssh' }));
    expect(res.body.error.message).toBe(`Resource "${names.kubernetes}" is a kubernetes resource; use postern pam kubernetes access for it.`);
  });
});
