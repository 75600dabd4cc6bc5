import { describe, expect, it } from 'vitest';
import { useOrgServer } from '../../test/fixtures.ts';
import type { TestServer } from '../../test/harness.ts';
import type { SeededOrg } from '../../test/seed.ts';

let server: TestServer;
let home: SeededOrg;
useOrgServer((fixture) => ({ server, home } = fixture));

describe('auth: happy paths', () => {
  it('signs in with email (any case) and password, and the access token works on /auth/me', async () => {
    const res = await server.post('/api/v1/auth/login', { email: home.owner.email.toUpperCase(), password: home.owner.password });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ tokenType: 'Bearer', user: { id: home.owner.user.id, email: home.owner.email } });
    expect(res.body.accessToken).toMatch(/^pat_/);
    expect(res.body.refreshToken).toMatch(/^prt_/);
    const ttl = Date.parse(res.body.accessTokenExpiresAt) - Date.now();
    expect(ttl).toBeGreaterThan(14 * 60_000);
    expect(ttl).toBeLessThanOrEqual(15 * 60_000);
    const me = await server.get('/api/v1/auth/me', res.body.accessToken);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      kind: 'user', id: home.owner.user.id, email: home.owner.email,
      orgs: [{ id: home.org.id, role: 'owner' }],
    });
  });

  it('rotates refresh tokens: the new pair works, the old access token stays valid until expiry', async () => {
    const login = await server.post('/api/v1/auth/login', { email: home.owner.email, password: home.owner.password });
    const refreshed = await server.post('/api/v1/auth/refresh', { refreshToken: login.body.refreshToken });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refreshToken).not.toBe(login.body.refreshToken);
    expect((await server.get('/api/v1/auth/me', refreshed.body.accessToken)).status).toBe(200);
    const again = await server.post('/api/v1/auth/refresh', { refreshToken: refreshed.body.refreshToken });
    expect(again.status).toBe(200);
  });

  it('logs out: the access and refresh tokens of that sign-in stop working, other sign-ins do not', async () => {
    const a = await server.post('/api/v1/auth/login', { email: home.owner.email, password: home.owner.password });
    const b = await server.post('/api/v1/auth/login', { email: home.owner.email, password: home.owner.password });
    expect((await server.post('/api/v1/auth/logout', {}, a.body.accessToken)).status).toBe(204);
    expect((await server.get('/api/v1/auth/me', a.body.accessToken)).status).toBe(401);
    expect((await server.post('/api/v1/auth/refresh', { refreshToken: a.body.refreshToken })).status).toBe(401);
    expect((await server.get('/api/v1/auth/me', b.body.accessToken)).status).toBe(200);
  });

  it('signs a machine identity in with client id and secret; /auth/me describes it', async () => {
    const machine = await server.seedMachineIdentity({ orgId: home.org.id, name: 'gateway-one', projects: [{ projectId: home.project.id, role: 'member' }] });
    const res = await server.post('/api/v1/auth/machine-identity/login', { clientId: machine.clientId, clientSecret: machine.clientSecret });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ tokenType: 'Bearer', identity: { id: machine.identity.id, orgId: home.org.id, name: 'gateway-one' } });
    expect(res.body).not.toHaveProperty('refreshToken');
    const me = await server.get('/api/v1/auth/me', res.body.accessToken);
    expect(me.body).toMatchObject({ kind: 'machine', id: machine.identity.id, projects: [{ id: home.project.id, role: 'member' }] });
  });

  it('audits successful sign-ins, refreshes and sign-outs in the user\'s org', async () => {
    const user = await server.seedUser({ orgId: home.org.id });
    const login = await server.post('/api/v1/auth/login', { email: user.email, password: user.password });
    await server.post('/api/v1/auth/refresh', { refreshToken: login.body.refreshToken });
    await server.post('/api/v1/auth/logout', {}, login.body.accessToken);
    const log = await server.get(`/api/v1/orgs/${home.org.id}/audit-logs?action=auth.*&limit=200`, home.owner.token);
    const mine = log.body.items.filter((item: { target: { id: string } }) => item.target.id === user.user.id).map((item: { action: string }) => item.action);
    expect(mine).toEqual(['auth.logout', 'auth.refresh', 'auth.login']);
  });

  it('changes the password: the new one works, the old one does not, other sign-ins end, this one stays', async () => {
    const user = await server.seedUser({ orgId: home.org.id });
    const elsewhere = await server.post('/api/v1/auth/login', { email: user.email, password: user.password });
    const here = await server.post('/api/v1/auth/login', { email: user.email, password: user.password });
    const res = await server.post('/api/v1/auth/password', { currentPassword: user.password, newPassword: 'a-brand-new-password' }, here.body.accessToken);
    expect(res.status).toBe(204);
    expect((await server.get('/api/v1/auth/me', here.body.accessToken)).status).toBe(200);
    expect((await server.get('/api/v1/auth/me', elsewhere.body.accessToken)).status).toBe(401);
    expect((await server.post('/api/v1/auth/refresh', { refreshToken: elsewhere.body.refreshToken })).status).toBe(401);
    expect((await server.post('/api/v1/auth/login', { email: user.email, password: user.password })).status).toBe(401);
    expect((await server.post('/api/v1/auth/login', { email: user.email, password: 'a-brand-new-password' })).status).toBe(200);
  });
});
