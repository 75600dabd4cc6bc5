import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { opensslMakeCsr } from '@postern/shared/pki/openssl.test-support';
import { formatPublicKeyLine } from '@postern/shared/ssh/keys';
import { gateways } from '../../db/schema/index.ts';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { describeBadInput } from '../../test/bad-input.ts';
import { seedPamWorld } from '../../test/pam-fixtures.ts';
import { PKI_ENV, bindGatewayIdentity, enrollManagedRelay, makeRequesterKeys, itRefusesWithoutChange, type RefusalCase } from '../../services/pki/pki-world.test-support.ts';

const UNKNOWN = '00000000-0000-4000-8000-000000000000';

describe('gateway enrollment: bad input gets the documented error and changes nothing', () => {
  let server: TestServer;
  let token: string;
  let userToken: string;
  let unboundToken: string;
  let twoGatewaysToken: string;
  const keys = makeRequesterKeys('gateway');

  beforeAll(async () => {
    server = await createTestServer({ env: { ...PKI_ENV, POSTERN_MAX_BODY_BYTES: '32768' } });
    const world = await seedPamWorld(server);
    await enrollManagedRelay(server);
    token = (await bindGatewayIdentity(server, world.a.org.id, world.a.gateway.id)).token;
    userToken = world.a.owner.token;
    unboundToken = (await server.seedMachineIdentity({ orgId: world.a.org.id })).token;
    const shared = await server.seedMachineIdentity({ orgId: world.b.org.id });
    await server.db.insert(gateways).values([
      { orgId: world.b.org.id, name: 'twin-1', machineIdentityId: shared.identity.id },
      { orgId: world.b.org.id, name: 'twin-2', machineIdentityId: shared.identity.id },
    ]);
    twoGatewaysToken = shared.token;
  });
  afterAll(() => server?.close());

  const body = (overrides: Record<string, unknown> = {}) => ({ sshPublicKey: keys.sshPublicKey, csr: keys.csr, ...overrides });
  const enroll = (b: Record<string, unknown>, t = token) => server.post('/api/v1/gateways/enroll', b, t);
  const rsaLine = formatPublicKeyLine(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey);
  const cases: RefusalCase[] = [
    ['renewal before any enrollment', () => server.post('/api/v1/gateways/renew', body(), token), 409, 'gateway_not_enrolled'],
    ['a malformed CSR', () => enroll(body({ csr: '-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----' })), 400, 'x509_malformed'],
    ['a CSR for an RSA key', () => enroll(body({ csr: opensslMakeCsr('rsa') })), 400, 'x509_malformed'],
    ['a CSR for a P-384 key', () => enroll(body({ csr: opensslMakeCsr('secp384r1') })), 400, 'x509_malformed'],
    ['an RSA SSH key', () => enroll(body({ sshPublicKey: rsaLine })), 400, 'ssh_key_invalid'],
    ['an SSH key line that is not one', () => enroll(body({ sshPublicKey: 'ssh-ed25519' })), 400, 'ssh_key_invalid'],
    ['a user token', () => enroll(body(), userToken), 403, 'forbidden'],
    ['a machine identity bound to no gateway', () => enroll(body(), unboundToken), 404, 'gateway_not_found'],
    ['a machine identity bound to two gateways, none named', () => enroll(body(), twoGatewaysToken), 422, 'gateway_ambiguous'],
    ['an unknown gateway id', () => enroll(body({ gatewayId: UNKNOWN })), 404, 'gateway_not_found'],
    ['no token', () => server.post('/api/v1/gateways/enroll', body()), 401, 'unauthenticated'],
    ['an oversized CSR', () => enroll(body({ csr: 'A'.repeat(20_000) })), 400, 'validation_failed'],
  ];

  itRefusesWithoutChange(() => server, cases);

  it('with no relay enrolled anywhere, enrollment answers 503 no_relay_available', async () => {
    const bare = await createTestServer({ env: PKI_ENV });
    try {
      const world = await seedPamWorld(bare);
      const t = (await bindGatewayIdentity(bare, world.a.org.id, world.a.gateway.id)).token;
      const res = await bare.post('/api/v1/gateways/enroll', body(), t);
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('no_relay_available');
    } finally {
      await bare.close();
    }
  });

  describeBadInput('POST /api/v1/gateways/enroll', {
    server: () => server, method: 'POST', path: () => '/api/v1/gateways/enroll', token: () => token,
    validBody: { sshPublicKey: 'ssh-ed25519 AAAA', csr: 'x' },
    required: ['sshPublicKey', 'csr'],
  });
});
