/**
 * Ending one's own session from the client, against a real server process: the session access
 * ends its session (already over counts as ended), an SSH tab whose gateway cannot be reached
 * still ends the session it asked for, and a server that is down or silent costs a one-line
 * warning within the bound, never a hang.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateSigningRequest } from '@postern/shared/pki/csr';
import { generatePkiKeyPair } from '@postern/shared/pki/keys';
import { formatPublicKeyLine, generateEd25519KeyPair } from '@postern/shared/ssh/keys';
import { ownerToken, postJson, startServerProcess, type ServerProcess } from '../../../test/fixtures/server-process.ts';
import { ApiClient, type Tokens } from './api-client.ts';
import { sessionsApi } from './recordings/sessions-api.ts';
import { END_SESSION_TIMEOUT_MS, endSession, endSessionQuietly } from './session-end.ts';
import { openSshAccess } from './ssh/ssh-access.ts';
import { TerminalSessions } from './terminal-sessions.ts';

const RELAY_TOKEN = 'session-end-test-relay-token-0123456789abcdef';

/** A relay and gateway enrolled over HTTP (no processes: sessions can be asked for, not dialled), an SSH account. */
async function seedSshAccount(server: ServerProcess, owner: string): Promise<{ resource: string; account: string }> {
  const keys = { sshHostPublicKey: formatPublicKeyLine(generateEd25519KeyPair().publicKey), csr: createCertificateSigningRequest(generatePkiKeyPair(), 'postern-end-test') };
  // Port 1 on loopback refuses at once: a dial fails fast, as when the relay is down.
  await postJson(server, RELAY_TOKEN, '/api/v1/relays/enroll', { name: 'end-relay', clientTlsAddress: '127.0.0.1:1', ...keys });
  const identity = await postJson(server, owner, `/api/v1/orgs/${server.orgId}/machine-identities`, { name: 'end-gw-identity' });
  const gateway = await postJson(server, owner, `/api/v1/orgs/${server.orgId}/gateways`, { name: 'end-gw', machineIdentityId: identity.id ?? identity.identity?.id });
  const login = await postJson(server, '', '/api/v1/auth/machine-identity/login', { clientId: identity.clientId ?? identity.identity?.clientId, clientSecret: identity.clientSecret });
  await postJson(server, login.accessToken, '/api/v1/gateways/enroll', { sshPublicKey: keys.sshHostPublicKey, csr: keys.csr });
  const resource = await postJson(server, owner, '/api/v1/pam/resources/ssh', { projectId: server.projectId, name: 'end-box', gatewayId: gateway.id, host: '127.0.0.1', port: 22 });
  await postJson(server, owner, '/api/v1/pam/accounts', { resourceId: resource.id, name: 'ops', credential: { type: 'ssh-password', username: 'ops', password: 'not-used-here' } });
  return { resource: 'end-box', account: 'ops' };
}

/** A TCP server that accepts and never answers: the worst case for an exit. */
async function silentServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => { sockets.add(socket); socket.on('error', () => undefined); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => { for (const socket of sockets) socket.destroy(); server.close(() => resolve()); }),
  };
}

const fakeTokens = (): Tokens => {
  const later = new Date(Date.now() + 3_600_000).toISOString();
  return { accessToken: 'a', accessTokenExpiresAt: later, refreshToken: 'r', refreshTokenExpiresAt: later };
};

describe('ending a session from the client', () => {
  let server: ServerProcess;
  let api: ApiClient;
  let target: { resource: string; account: string };
  const request = () => ({ projectId: server.projectId, ...target, durationSeconds: 600 });

  beforeAll(async () => {
    server = await startServerProcess({ env: { POSTERN_RELAY_ENROLLMENT_TOKEN: RELAY_TOKEN } });
    const owner = await ownerToken(server);
    target = await seedSshAccount(server, owner);
    api = new ApiClient({ serverUrl: server.url });
    await api.login(server.adminEmail, server.adminPassword);
  }, 60_000);
  afterAll(() => server?.stop());

  it('ends the session; a second end finds it already ended and counts that as success', async () => {
    const access = await openSshAccess(api, request());
    expect((await sessionsApi.show(api, access.sessionId)).status).toBe('active');
    expect(await access.end!()).toEqual({ sessionId: access.sessionId, status: 'ended', alreadyOver: false });
    const detail = await sessionsApi.show(api, access.sessionId);
    expect(detail).toMatchObject({ status: 'ended', endedAt: expect.any(String) });
    expect(await endSession(api, access.sessionId)).toEqual({ sessionId: access.sessionId, status: 'ended', alreadyOver: true });
  });

  it('an SSH tab whose gateway cannot be reached still ends the session it asked for', async () => {
    const warnings: string[] = [];
    const terminals = new TerminalSessions({ data: () => undefined, ended: () => undefined, warn: (line) => warnings.push(line) });
    const access = await openSshAccess(api, request());
    await expect(terminals.openSsh(access, { cols: 80, rows: 24 })).rejects.toThrow();
    await terminals.settled();
    expect((await sessionsApi.show(api, access.sessionId)).status).toBe('ended');
    expect(warnings).toEqual([]);
  });

  it("someone else's or an unknown session is 404, which the quiet form turns into one warning line", async () => {
    const member = { email: 'member@postern.test', password: 'Member-Pa55word-long' };
    const owner = await ownerToken(server);
    const user = await postJson(server, owner, `/api/v1/orgs/${server.orgId}/users`, { ...member, role: 'member' });
    await postJson(server, owner, `/api/v1/projects/${server.projectId}/members`, { userId: user.id, role: 'member' });
    const memberApi = new ApiClient({ serverUrl: server.url });
    await memberApi.login(member.email, member.password);
    const theirs = await openSshAccess(memberApi, request());
    // The owner (org owner, project admin) is not the session's user: admins terminate, they do not end.
    await expect(endSession(api, theirs.sessionId)).rejects.toMatchObject({ status: 404, code: 'session_not_found' });
    expect((await sessionsApi.show(api, theirs.sessionId)).status).toBe('active');
    const unknown = '00000000-0000-4000-8000-000000000000';
    await expect(endSession(api, unknown)).rejects.toMatchObject({ status: 404, code: 'session_not_found' });
    const warnings: string[] = [];
    expect(await endSessionQuietly(api, unknown, (line) => warnings.push(line))).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(new RegExp(`^Postern: could not end session ${unknown} now \\(.+\\); it ends by itself at its end time\\.$`));
  });

  it('a server that is down costs one warning line, at once', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise((resolve) => probe.close(resolve));
    const down = new ApiClient({ serverUrl: `http://127.0.0.1:${port}`, tokens: fakeTokens() });
    const warnings: string[] = [];
    const started = Date.now();
    await endSessionQuietly(down, 'some-session', (line) => warnings.push(line));
    expect(Date.now() - started).toBeLessThan(END_SESSION_TIMEOUT_MS);
    expect(warnings).toEqual([expect.stringContaining('Cannot reach the Postern server')]);
  });

  it('a server that never answers holds the exit for the bound only', async () => {
    const silent = await silentServer();
    try {
      const stuck = new ApiClient({ serverUrl: silent.url, tokens: fakeTokens() });
      const warnings: string[] = [];
      const started = Date.now();
      await endSessionQuietly(stuck, 'some-session', (line) => warnings.push(line));
      const waited = Date.now() - started;
      expect(waited).toBeGreaterThanOrEqual(END_SESSION_TIMEOUT_MS - 50);
      expect(waited).toBeLessThan(END_SESSION_TIMEOUT_MS + 1_500);
      expect(warnings).toEqual([expect.stringContaining(`did not answer within ${END_SESSION_TIMEOUT_MS} ms`)]);
    } finally {
      await silent.close();
    }
  });
});
