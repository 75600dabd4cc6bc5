import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { opensslMakeCsr } from '@postern/shared/pki/openssl.test-support';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { describeBadInput } from '../../test/bad-input.ts';
import { sshResourceInput } from '../../test/pam-fixtures.ts';
import { gateways } from '../../db/schema/index.ts';
import { PKI_ENV, makeRequesterKeys, seedPkiWorld, type PkiWorld, itRefusesWithoutChange, type RefusalCase } from '../../services/pki/pki-world.test-support.ts';

const UNKNOWN = '00000000-0000-4000-8000-000000000000';

describe('sessions: bad input gets the documented error and changes nothing', () => {
  let server: TestServer;
  let world: PkiWorld;
  let token: string;
  let resourceId: string;
  let accountId: string;
  let unenrolledAccountId: string;
  const client = makeRequesterKeys('client');

  beforeAll(async () => {
    server = await createTestServer({ env: { ...PKI_ENV, POSTERN_MAX_BODY_BYTES: '32768' } });
    world = await seedPkiWorld(server);
    token = world.users.member.token;
    const admin = world.users.admin.token;
    resourceId = (await server.post('/api/v1/pam/resources/ssh', sshResourceInput(world), admin)).body.id;
    accountId = (await server.post('/api/v1/pam/accounts', { resourceId, name: 'a', credential: { type: 'ssh-certificate', username: 'deploy' } }, admin)).body.id;
    const [idle] = await server.db.insert(gateways).values({ orgId: world.a.org.id, name: 'never-enrolled' }).returning();
    const idleResource = (await server.post('/api/v1/pam/resources/ssh', sshResourceInput(world, { gatewayId: idle!.id }), admin)).body.id;
    unenrolledAccountId = (await server.post('/api/v1/pam/accounts', { resourceId: idleResource, name: 'a', credential: { type: 'ssh-certificate', username: 'deploy' } }, admin)).body.id;
  });
  afterAll(() => server?.close());

  const body = (overrides: Record<string, unknown> = {}) => ({ accountId, durationSeconds: 600, csr: client.csr, ...overrides });
  const create = (b: Record<string, unknown>) => server.post('/api/v1/pam/sessions', b, token);
  const cases: RefusalCase[] = [
    ['a duration over the project maximum (8 h)', () => create(body({ durationSeconds: 8 * 3600 + 1 })), 422, 'session_duration_too_long'],
    ['a zero duration', () => create(body({ durationSeconds: 0 })), 400, 'validation_failed'],
    ['a fractional duration', () => create(body({ durationSeconds: 1.5 })), 400, 'validation_failed'],
    ['a malformed CSR', () => create(body({ csr: '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n' })), 400, 'x509_malformed'],
    ['a CSR that is not PEM at all', () => create(body({ csr: 'hello' })), 400, 'x509_malformed'],
    ['a CSR for an RSA key', () => create(body({ csr: opensslMakeCsr('rsa') })), 400, 'x509_malformed'],
    ['a CSR for a P-384 key', () => create(body({ csr: opensslMakeCsr('secp384r1') })), 400, 'x509_malformed'],
    ['a malformed relay CSR', () => create(body({ relayCsr: 'garbage' })), 400, 'x509_malformed'],
    ['an unknown account', () => create(body({ accountId: UNKNOWN })), 404, 'account_not_found'],
    ['an account of another resource than named', () => create(body({ resourceId: UNKNOWN })), 404, 'account_not_found'],
    ['an account whose gateway never enrolled', () => create(body({ accountId: unenrolledAccountId })), 422, 'gateway_unavailable'],
    ['an unknown field', () => create(body({ userId: UNKNOWN })), 400, 'validation_failed'],
    ['no token', () => server.post('/api/v1/pam/sessions', body()), 401, 'unauthenticated'],
  ];

  itRefusesWithoutChange(() => server, cases);

  it('the duration refusal names the maximum', async () => {
    const res = await create(body({ durationSeconds: 9 * 3600 }));
    expect(res.body.error.details).toMatchObject({ maxSessionDurationSeconds: 8 * 3600, requestedSeconds: 9 * 3600 });
    expect(res.body.error.message).toContain('28800');
  });

  it("a project's own smaller maximum is the bound", async () => {
    const project = await server.seedProject(world.a.org.id, { maxSessionDurationSeconds: 900 });
    const member = await server.seedUser({ orgId: world.a.org.id, projects: [{ projectId: project.id, role: 'member' }] });
    const admin = await server.seedUser({ orgId: world.a.org.id, projects: [{ projectId: project.id, role: 'admin' }] });
    const rid = (await server.post('/api/v1/pam/resources/ssh', sshResourceInput(world, { projectId: project.id }), admin.token)).body.id;
    const aid = (await server.post('/api/v1/pam/accounts', { resourceId: rid, name: 'a', credential: { type: 'ssh-certificate', username: 'u' } }, admin.token)).body.id;
    expect((await server.post('/api/v1/pam/sessions', body({ accountId: aid, durationSeconds: 901 }), member.token)).body.error.details.maxSessionDurationSeconds).toBe(900);
    expect((await server.post('/api/v1/pam/sessions', body({ accountId: aid, durationSeconds: 900 }), member.token)).status).toBe(201);
  });

  describeBadInput('POST /api/v1/pam/sessions', {
    server: () => server, method: 'POST', path: () => '/api/v1/pam/sessions', token: () => token,
    validBody: { accountId: UNKNOWN, durationSeconds: 600, csr: 'x' },
    required: ['accountId', 'durationSeconds', 'csr'],
  });
});
