import { describe, expect, it } from 'vitest';
import { describeBadInput } from '../../test/bad-input.ts';
import { useOrgServer } from '../../test/fixtures.ts';
import type { TestServer } from '../../test/harness.ts';
import type { SeededOrg } from '../../test/seed.ts';

let server: TestServer;
let home: SeededOrg;
useOrgServer((fixture) => ({ server, home } = fixture));

describe('auth: errors', () => {
  it('gives the same 401 for an unknown email and a wrong password, and audits both', async () => {
    const unknown = await server.post('/api/v1/auth/login', { email: 'nobody@example.test', password: 'whatever-password' });
    const wrong = await server.post('/api/v1/auth/login', { email: home.owner.email, password: 'wrong-password-123' });
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
    expect(wrong.body.error.code).toBe('invalid_credentials');
    const log = await server.get(`/api/v1/orgs/${home.org.id}/audit-logs?action=auth.login.failed`, home.owner.token);
    expect(log.body.items[0]).toMatchObject({ action: 'auth.login.failed', target: { type: 'user', id: home.owner.user.id }, details: { reason: 'wrong_password' } });
    expect(JSON.stringify(log.body)).not.toContain('wrong-password-123');
  });

  it('gives one 401 for an unknown client id and a wrong client secret', async () => {
    const machine = await server.seedMachineIdentity({ orgId: home.org.id });
    const unknown = await server.post('/api/v1/auth/machine-identity/login', { clientId: 'pci_nope', clientSecret: machine.clientSecret });
    const wrong = await server.post('/api/v1/auth/machine-identity/login', { clientId: machine.clientId, clientSecret: 'pcs_wrong' });
    expect([unknown.status, wrong.status]).toEqual([401, 401]);
    expect(unknown.body).toEqual(wrong.body);
    const log = await server.get(`/api/v1/orgs/${home.org.id}/audit-logs?action=auth.machine_login.failed`, home.owner.token);
    expect(log.body.items[0]).toMatchObject({ target: { id: machine.identity.id }, details: { reason: 'wrong_secret' } });
  });

  it('refuses an unknown or malformed refresh token with 401', async () => {
    expect((await server.post('/api/v1/auth/refresh', { refreshToken: 'prt_unknown' })).body.error.code).toBe('unauthenticated');
    expect((await server.post('/api/v1/auth/refresh', { refreshToken: home.owner.token })).status).toBe(401);
  });

  it('refuses an expired refresh token with 401 token_expired', async () => {
    const login = await server.post('/api/v1/auth/login', { email: home.owner.email, password: home.owner.password });
    server.advanceClock(31 * 24 * 3600 * 1000);
    try {
      const res = await server.post('/api/v1/auth/refresh', { refreshToken: login.body.refreshToken });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('token_expired');
    } finally {
      server.advanceClock(-31 * 24 * 3600 * 1000);
    }
  });

  it('refuses a password change with a wrong current password (422), changing nothing', async () => {
    const before = await server.tableCounts();
    const res = await server.post('/api/v1/auth/password', { currentPassword: 'not-the-password', newPassword: 'a-brand-new-password' }, home.owner.token);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('current_password_wrong');
    expect((await server.post('/api/v1/auth/login', { email: home.owner.email, password: home.owner.password })).status).toBe(200);
    const after = await server.tableCounts();
    // Only the audit rows of the failure and of the check login above were added.
    expect({ ...after, audit_logs: 0, auth_tokens: 0, token_families: 0 }).toEqual({ ...before, audit_logs: 0, auth_tokens: 0, token_families: 0 });
  });

  it('refuses a password change by a machine identity (403)', async () => {
    const machine = await server.seedMachineIdentity({ orgId: home.org.id });
    const res = await server.post('/api/v1/auth/password', { currentPassword: 'x', newPassword: 'a-brand-new-password' }, machine.token);
    expect(res.status).toBe(403);
  });

  it('needs a token for /auth/me and /auth/logout', async () => {
    expect((await server.get('/api/v1/auth/me')).status).toBe(401);
    expect((await server.post('/api/v1/auth/logout', {})).status).toBe(401);
  });
});

const token = () => '';
describeBadInput('POST /auth/login', {
  server: () => server, method: 'POST', path: () => '/api/v1/auth/login', token,
  validBody: { email: 'someone@example.test', password: 'a-long-password' }, required: ['email', 'password'],
});
describeBadInput('POST /auth/refresh', {
  server: () => server, method: 'POST', path: () => '/api/v1/auth/refresh', token,
  validBody: { refreshToken: 'prt_x' }, required: ['refreshToken'],
});
describeBadInput('POST /auth/machine-identity/login', {
  server: () => server, method: 'POST', path: () => '/api/v1/auth/machine-identity/login', token,
  validBody: { clientId: 'pci_x', clientSecret: 'pcs_x' }, required: ['clientId', 'clientSecret'],
});
describeBadInput('POST /auth/password', {
  server: () => server, method: 'POST', path: () => '/api/v1/auth/password', token: () => home.owner.token,
  validBody: { currentPassword: 'whatever', newPassword: 'a-long-enough-password' }, required: ['currentPassword', 'newPassword'],
});
