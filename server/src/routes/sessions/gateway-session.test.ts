import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSshCertificate } from '@postern/shared/ssh/certificate';
import { verifySshCertificate } from '@postern/shared/ssh/certificate-verify';
import { formatPublicKeyLine } from '@postern/shared/ssh/keys';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { kubernetesResourceInput, sshResourceInput } from '../../test/pam-fixtures.ts';
import { PKI_ENV, makeRequesterKeys, seedPkiWorld, sshKeygenList, type PkiWorld } from '../../services/pki/pki-world.test-support.ts';

const UNKNOWN = '00000000-0000-4000-8000-000000000000';

describe("sessions: the gateway's side (credentials and status)", () => {
  let server: TestServer;
  let world: PkiWorld;
  let sshResourceId: string;
  const accounts: Record<string, string> = {};
  const client = makeRequesterKeys('client');
  const gatewayKeys = makeRequesterKeys('gateway-session');

  beforeAll(async () => {
    server = await createTestServer({ env: PKI_ENV });
    world = await seedPkiWorld(server);
    const admin = world.users.admin.token;
    sshResourceId = (await server.post('/api/v1/pam/resources/ssh', sshResourceInput(world, { host: 'db-1.internal', port: 2222 }), admin)).body.id;
    const k8sId = (await server.post('/api/v1/pam/resources/kubernetes', kubernetesResourceInput(world), admin)).body.id;
    const add = async (name: string, resourceId: string, credential: Record<string, unknown>) => {
      accounts[name] = (await server.post('/api/v1/pam/accounts', { resourceId, name, credential }, admin)).body.id;
    };
    await add('pw', sshResourceId, { type: 'ssh-password', username: 'root', password: 'pw-3f1' });
    await add('cert', sshResourceId, { type: 'ssh-certificate', username: 'deploy' });
    await add('sa', k8sId, { type: 'kubernetes-token', token: 'k8s-token-77' });
  });
  afterAll(() => server?.close());

  const open = async (account: string, durationSeconds = 600) => {
    const res = await server.post('/api/v1/pam/sessions', { accountId: accounts[account], durationSeconds, csr: client.csr }, world.users.member.token);
    expect(res.status).toBe(201);
    return res.body;
  };
  const fetchCredentials = (sessionId: string, body: Record<string, unknown> = {}) =>
    server.post(`/api/v1/pam/sessions/${sessionId}/credentials`, body, world.gatewayIdentityA.token);

  it('a password account: the target and the decrypted password', async () => {
    const session = await open('pw');
    const res = await fetchCredentials(session.sessionId);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ sessionId: session.sessionId, expiresAt: session.expiresAt, target: { type: 'ssh', host: 'db-1.internal', port: 2222 }, credential: { type: 'ssh-password', username: 'root', password: 'pw-3f1' } });
  });

  it('a Kubernetes token account: the API server and the token', async () => {
    const session = await open('sa');
    expect(session.protocol).toBe('postern-k8s');
    const res = await fetchCredentials(session.sessionId);
    expect(res.body).toMatchObject({ target: { type: 'kubernetes', url: 'https://10.0.0.1:6443' }, credential: { type: 'kubernetes-token', token: 'k8s-token-77' } });
  });

  it("a certificate account: a fresh user certificate from the resource's CA, principal = username, until the session's end", async () => {
    const session = await open('cert');
    const res = await fetchCredentials(session.sessionId, { sshPublicKey: gatewayKeys.sshPublicKey });
    expect(res.status).toBe(200);
    const { certificate } = res.body.credential;
    const ca = (await server.get(`/api/v1/pam/resources/ssh/${sshResourceId}/ssh-ca-public-key`, world.users.member.token)).text.trim();
    const verified = verifySshCertificate(certificate, { caPublicKey: ca, certType: 'user', principal: 'deploy', now: new Date() });
    expect(verified.keyId).toBe(`user:${world.users.member.user.id} session:${session.sessionId}`);
    expect(new Date(Number(verified.validBefore) * 1000).toISOString()).toBe(session.expiresAt);
    expect(res.body.credential.validBefore).toBe(session.expiresAt);
    expect(parseSshCertificate(certificate).publicKey.blob.toString('base64')).toBe(gatewayKeys.sshPublicKey.split(' ')[1]);
    const listing = sshKeygenList(certificate);
    expect(listing).toMatch(/user certificate/);
    expect(listing).toMatch(/Principals:\s*\n\s*deploy\s*\n/);
    expect(listing).toContain(`session:${session.sessionId}`);
  });

  it.each([
    ['no public key', {}, 422, 'ssh_public_key_required'],
    ['an RSA public key', { sshPublicKey: makeKeyLine('rsa') }, 400, 'ssh_key_invalid'],
    ['a truncated key', { sshPublicKey: 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC7 x' }, 400, 'ssh_wire_malformed'],
    ['an ECDSA public key', { sshPublicKey: makeKeyLine('ec') }, 400, 'ssh_key_invalid'],
    ['garbage', { sshPublicKey: 'not a key' }, 400, 'ssh_key_invalid'],
  ])('a certificate account with %s is refused', async (_label, body, status, code) => {
    const session = await open('cert');
    const res = await fetchCredentials(session.sessionId, body);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
  });

  it('status: active during the session, expired after it; no credential after the end', async () => {
    const session = await open('pw', 60);
    const status = await server.get(`/api/v1/pam/sessions/${session.sessionId}/status`, world.gatewayIdentityA.token);
    expect(status.body).toMatchObject({ sessionId: session.sessionId, status: 'active', active: true, gatewayId: world.a.gateway.id, userId: world.users.member.user.id });
    server.advanceClock(61_000);
    const after = await server.get(`/api/v1/pam/sessions/${session.sessionId}/status`, world.gatewayIdentityA.token);
    expect(after.body).toMatchObject({ status: 'expired', active: false });
    const late = await fetchCredentials(session.sessionId);
    expect(late.status).toBe(410);
    expect(late.body.error.code).toBe('session_expired');
    expect(late.text).not.toContain('pw-3f1');
  });

  it('an unknown session id is 404 for the gateway', async () => {
    expect((await fetchCredentials(UNKNOWN)).status).toBe(404);
    expect((await server.get(`/api/v1/pam/sessions/${UNKNOWN}/status`, world.gatewayIdentityA.token)).status).toBe(404);
  });
});

/** A valid key line of a type Postern refuses to sign (it signs ed25519 keys only). */
function makeKeyLine(type: 'rsa' | 'ec'): string {
  const pair = type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return formatPublicKeyLine(pair.publicKey);
}
