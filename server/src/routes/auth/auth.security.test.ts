import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { useOrgServer } from '../../test/fixtures.ts';
import type { TestServer } from '../../test/harness.ts';
import type { SeededOrg } from '../../test/seed.ts';

let server: TestServer;
let home: SeededOrg;
useOrgServer((fixture) => ({ server, home } = fixture));

const login = (email: string, password: string) => server.post('/api/v1/auth/login', { email, password });

describe('auth: security', () => {
  it('revokes the whole sign-in when a spent refresh token is presented again', async () => {
    const first = await login(home.owner.email, home.owner.password);
    const second = await server.post('/api/v1/auth/refresh', { refreshToken: first.body.refreshToken });
    expect(second.status).toBe(200);
    const replay = await server.post('/api/v1/auth/refresh', { refreshToken: first.body.refreshToken });
    expect(replay.status).toBe(401);
    // The legitimate holder's newer tokens die too: the thief and the owner are both signed out.
    expect((await server.get('/api/v1/auth/me', second.body.accessToken)).status).toBe(401);
    expect((await server.post('/api/v1/auth/refresh', { refreshToken: second.body.refreshToken })).status).toBe(401);
    expect((await server.get('/api/v1/auth/me', first.body.accessToken)).status).toBe(401);
    const log = await server.get(`/api/v1/orgs/${home.org.id}/audit-logs?action=auth.refresh.reused`, home.owner.token);
    expect(log.body.items).toHaveLength(1);
  });

  it('lets only one of two concurrent refreshes with the same token win', async () => {
    const first = await login(home.owner.email, home.owner.password);
    const results = await Promise.all([1, 2].map(() => server.post('/api/v1/auth/refresh', { refreshToken: first.body.refreshToken })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
  });

  it('rotating a machine secret revokes its tokens and the old secret', async () => {
    const machine = await server.seedMachineIdentity({ orgId: home.org.id });
    const signedIn = await server.post('/api/v1/auth/machine-identity/login', { clientId: machine.clientId, clientSecret: machine.clientSecret });
    const rotated = await server.post(`/api/v1/orgs/${home.org.id}/machine-identities/${machine.identity.id}/rotate-secret`, {}, home.owner.token);
    expect(rotated.status).toBe(200);
    expect(rotated.body.clientSecret).not.toBe(machine.clientSecret);
    expect((await server.get('/api/v1/auth/me', signedIn.body.accessToken)).status).toBe(401);
    expect((await server.get('/api/v1/auth/me', machine.token)).status).toBe(401);
    expect((await server.post('/api/v1/auth/machine-identity/login', { clientId: machine.clientId, clientSecret: machine.clientSecret })).status).toBe(401);
    expect((await server.post('/api/v1/auth/machine-identity/login', { clientId: machine.clientId, clientSecret: rotated.body.clientSecret })).status).toBe(200);
  });

  it('deleting a machine identity revokes its tokens and its login', async () => {
    const machine = await server.seedMachineIdentity({ orgId: home.org.id });
    expect((await server.delete(`/api/v1/orgs/${home.org.id}/machine-identities/${machine.identity.id}`, home.owner.token)).status).toBe(204);
    expect((await server.get('/api/v1/auth/me', machine.token)).status).toBe(401);
    expect((await server.post('/api/v1/auth/machine-identity/login', { clientId: machine.clientId, clientSecret: machine.clientSecret })).status).toBe(401);
  });

  it('locks an account out after 5 failed sign-ins in 15 minutes, even for the right password, with Retry-After', async () => {
    const user = await server.seedUser({ orgId: home.org.id });
    for (let i = 0; i < 5; i++) expect((await login(user.email, `wrong-${i}-password`)).status).toBe(401);
    const locked = await login(user.email, user.password);
    expect(locked.status).toBe(429);
    expect(locked.body.error.code).toBe('too_many_attempts');
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    // Other accounts are unaffected; the lockout ends with the window.
    expect((await login(home.owner.email, home.owner.password)).status).toBe(200);
    server.advanceClock(15 * 60 * 1000);
    try {
      expect((await login(user.email, user.password)).status).toBe(200);
    } finally {
      server.advanceClock(-15 * 60 * 1000);
    }
    const log = await server.get(`/api/v1/orgs/${home.org.id}/audit-logs?action=auth.login.failed&limit=200`, home.owner.token);
    const reasons = log.body.items.filter((i: { target: { id: string } }) => i.target.id === user.user.id).map((i: { details: { reason: string } }) => i.details.reason);
    expect(reasons).toEqual(['throttled', 'wrong_password', 'wrong_password', 'wrong_password', 'wrong_password', 'wrong_password']);
  });

  it('locks a machine identity\'s client id out the same way', async () => {
    const machine = await server.seedMachineIdentity({ orgId: home.org.id });
    for (let i = 0; i < 5; i++) await server.post('/api/v1/auth/machine-identity/login', { clientId: machine.clientId, clientSecret: `pcs_wrong${i}` });
    const locked = await server.post('/api/v1/auth/machine-identity/login', { clientId: machine.clientId, clientSecret: machine.clientSecret });
    expect(locked.status).toBe(429);
  });

  it('stores tokens, passwords and client secrets only as hashes', async () => {
    const user = await server.seedUser({ orgId: home.org.id });
    const signedIn = await login(user.email, user.password);
    const machine = await server.seedMachineIdentity({ orgId: home.org.id });
    const dump = JSON.stringify(await server.db.execute(sql`
      select (select json_agg(t) from auth_tokens t) as tokens, (select json_agg(u) from users u) as users,
             (select json_agg(m) from machine_identities m) as machines, (select json_agg(a) from audit_logs a) as audit`));
    for (const secret of [signedIn.body.accessToken, signedIn.body.refreshToken, user.password, machine.clientSecret, machine.token]) {
      expect(dump).not.toContain(secret);
    }
    expect(dump).toMatch(/scrypt\$\d+\$8\$1\$/);
  });

  it('never puts a password or a client secret in a log line, nor in any response but the one that issues the secret', async () => {
    const created = await server.post(`/api/v1/orgs/${home.org.id}/users`, { email: 'leak-check@example.test', password: 'leak-check-password-1', role: 'member' }, home.owner.token);
    expect(created.status).toBe(201);
    const signedIn = await login('leak-check@example.test', 'leak-check-password-1');
    await server.post('/api/v1/auth/password', { currentPassword: 'wrong-leak-check-password', newPassword: 'leak-check-password-3' }, signedIn.body.accessToken);
    await server.post('/api/v1/auth/password', { currentPassword: 'leak-check-password-1', newPassword: 'leak-check-password-3' }, signedIn.body.accessToken);
    await login('leak-check@example.test', 'wrong-leak-check-password');
    await server.post('/api/v1/auth/login', { email: 'leak-check@example.test', password: 12345, extra: 'leak-check-password-2' });
    const machine = await server.post(`/api/v1/orgs/${home.org.id}/machine-identities`, { name: 'leak-check' }, home.owner.token);
    const secret = machine.body.clientSecret as string;
    const issuing = server.responses.length - 1;
    await server.post('/api/v1/auth/machine-identity/login', { clientId: machine.body.clientId, clientSecret: secret });
    await server.post('/api/v1/auth/machine-identity/login', { clientId: machine.body.clientId, clientSecret: `${secret}x` });
    await server.get(`/api/v1/orgs/${home.org.id}/machine-identities`, home.owner.token);
    await server.get(`/api/v1/orgs/${home.org.id}/audit-logs?limit=200`, home.owner.token);

    const logs = server.logs.join('\n');
    for (const secretValue of ['leak-check-password-1', 'wrong-leak-check-password', 'leak-check-password-2', 'leak-check-password-3', secret]) {
      expect(logs).not.toContain(secretValue);
    }
    server.responses.forEach((text, index) => {
      for (const secretValue of ['leak-check-password-1', 'wrong-leak-check-password', 'leak-check-password-2', 'leak-check-password-3']) expect(text).not.toContain(secretValue);
      if (index !== issuing) expect(text).not.toContain(secret);
    });
  });
});
