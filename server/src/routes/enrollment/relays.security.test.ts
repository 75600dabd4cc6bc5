import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { opensslMakeCsr } from '@postern/shared/pki/openssl.test-support';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { describeBadInput } from '../../test/bad-input.ts';
import { seedPamWorld, type PamWorld } from '../../test/pam-fixtures.ts';
import { PKI_ENV, RELAY_TOKEN, makeRequesterKeys, itRefusesWithoutChange, type RefusalCase } from '../../services/pki/pki-world.test-support.ts';

const UNKNOWN = '00000000-0000-4000-8000-000000000000';

describe('relay enrollment: who may enroll, renew and revoke; bad input', () => {
  let server: TestServer;
  let world: PamWorld;
  let managedId: string;
  let orgRelayId: string;
  let relayIdentityA: string;
  let secondIdentityA: string;
  let identityB: string;
  const keys = makeRequesterKeys('relay');
  const body = (overrides: Record<string, unknown> = {}) => ({ name: 'r', sshHostPublicKey: keys.sshPublicKey, csr: keys.csr, ...overrides });
  const orgBody = (overrides: Record<string, unknown> = {}) => body({ clientTlsAddress: 'r.test:443', gatewaySshAddress: 'r.test:22', ...overrides });

  beforeAll(async () => {
    server = await createTestServer({ env: { ...PKI_ENV, POSTERN_MAX_BODY_BYTES: '32768' } });
    world = await seedPamWorld(server);
    managedId = (await server.post('/api/v1/relays/enroll', body({ name: 'managed' }), RELAY_TOKEN)).body.relayId;
    relayIdentityA = (await server.seedMachineIdentity({ orgId: world.a.org.id })).token;
    secondIdentityA = (await server.seedMachineIdentity({ orgId: world.a.org.id })).token;
    identityB = (await server.seedMachineIdentity({ orgId: world.b.org.id })).token;
    orgRelayId = (await server.post('/api/v1/relays/enroll', orgBody({ name: 'edge' }), relayIdentityA)).body.relayId;
  });
  afterAll(() => server?.close());

  const cases: RefusalCase[] = [
    ['a wrong instance token', () => server.post('/api/v1/relays/enroll', body(), `${RELAY_TOKEN}x`), 401, 'unauthenticated'],
    ['no token', () => server.post('/api/v1/relays/enroll', body()), 401, 'unauthenticated'],
    ['a user token', () => server.post('/api/v1/relays/enroll', orgBody(), world.a.owner.token), 403, 'forbidden'],
    ['a customer relay without addresses', () => server.post('/api/v1/relays/enroll', body(), relayIdentityA), 422, 'relay_address_required'],
    ['a malformed address', () => server.post('/api/v1/relays/enroll', orgBody({ clientTlsAddress: 'no-port' }), relayIdentityA), 400, 'validation_failed'],
    ['a malformed CSR', () => server.post('/api/v1/relays/enroll', body({ csr: 'junk' }), RELAY_TOKEN), 400, 'x509_malformed'],
    ['a CSR for an RSA key', () => server.post('/api/v1/relays/enroll', body({ csr: opensslMakeCsr('rsa') }), RELAY_TOKEN), 400, 'x509_malformed'],
    ['a host key that is not ed25519', () => server.post('/api/v1/relays/enroll', body({ sshHostPublicKey: 'ecdsa-sha2-nistp256 AAAA' }), RELAY_TOKEN), 400, 'ssh_key_invalid'],
    ["a second org A identity taking the name of org A's relay", () => server.post('/api/v1/relays/enroll', orgBody({ name: 'edge' }), secondIdentityA), 409, 'conflict'],
    ['the instance token renewing an org relay', () => server.post(`/api/v1/relays/${orgRelayId}/renew`, { sshHostPublicKey: keys.sshPublicKey, csr: keys.csr }, RELAY_TOKEN), 404, 'relay_not_found'],
    ["org B's identity renewing org A's relay", () => server.post(`/api/v1/relays/${orgRelayId}/renew`, { sshHostPublicKey: keys.sshPublicKey, csr: keys.csr }, identityB), 404, 'relay_not_found'],
    ["an org identity renewing the managed relay", () => server.post(`/api/v1/relays/${managedId}/renew`, { sshHostPublicKey: keys.sshPublicKey, csr: keys.csr }, relayIdentityA), 404, 'relay_not_found'],
    ['renewing an unknown relay', () => server.post(`/api/v1/relays/${UNKNOWN}/renew`, { sshHostPublicKey: keys.sshPublicKey, csr: keys.csr }, RELAY_TOKEN), 404, 'relay_not_found'],
    ["org B's owner revoking org A's relay", () => server.post(`/api/v1/relays/${orgRelayId}/revoke`, {}, world.b.owner.token), 404, 'relay_not_found'],
    ["org A's relay identity revoking its own relay", () => server.post(`/api/v1/relays/${orgRelayId}/revoke`, {}, relayIdentityA), 403, 'forbidden'],
    ["an org owner revoking the managed relay", () => server.post(`/api/v1/relays/${managedId}/revoke`, {}, world.a.owner.token), 404, 'relay_not_found'],
  ];

  itRefusesWithoutChange(() => server, cases);

  it('a revoked relay gets nothing more, and cannot come back under its name', async () => {
    const res = await server.post(`/api/v1/relays/${orgRelayId}/revoke`, {}, world.a.owner.token);
    expect(res.status).toBe(200);
    const renew = await server.post(`/api/v1/relays/${orgRelayId}/renew`, { sshHostPublicKey: keys.sshPublicKey, csr: keys.csr }, relayIdentityA);
    expect(renew.status).toBe(403);
    expect(renew.body.error.code).toBe('relay_revoked');
    const again = await server.post('/api/v1/relays/enroll', orgBody({ name: 'edge' }), relayIdentityA);
    expect(again.status).toBe(403);
    expect(again.text).not.toContain('CERTIFICATE');
  });

  it('the managed relay is revoked with the instance token', async () => {
    const res = await server.post(`/api/v1/relays/${managedId}/revoke`, {}, RELAY_TOKEN);
    expect(res.status).toBe(200);
    expect((await server.post(`/api/v1/relays/${managedId}/renew`, { sshHostPublicKey: keys.sshPublicKey, csr: keys.csr }, RELAY_TOKEN)).body.error.code).toBe('relay_revoked');
  });

  it('with no instance token configured, managed relays cannot enroll at all', async () => {
    const bare = await createTestServer();
    try {
      expect((await bare.post('/api/v1/relays/enroll', body(), RELAY_TOKEN)).status).toBe(401);
    } finally {
      await bare.close();
    }
  });

  describeBadInput('POST /api/v1/relays/enroll', {
    server: () => server, method: 'POST', path: () => '/api/v1/relays/enroll', token: () => RELAY_TOKEN,
    validBody: { name: 'r', sshHostPublicKey: 'ssh-ed25519 AAAA', csr: 'x' },
    required: ['name', 'sshHostPublicKey', 'csr'],
    nameFields: ['name'],
  });
});
