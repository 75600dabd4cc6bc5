import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidCredentialsError, PosternError } from '@postern/shared/errors';
import { ownerToken, postJson, startServerProcess, type ServerProcess } from '../../../test/fixtures/server-process.ts';
import { ApiClient, normalizeServerUrl } from './api-client.ts';
import { RequestTimeoutError, ServerUnreachableError, SignInExpiredError } from './errors.ts';
import { CredentialsStore } from './credentials-store.ts';
import { pamApi } from './pam-api.ts';
import { DesktopSession } from './session.ts';

// Access tokens live one second here, so the refresh path runs for real against the server.
describe('ApiClient against a real server process', () => {
  let server: ServerProcess;
  let gatewayId: string;
  beforeAll(async () => {
    server = await startServerProcess({ env: { POSTERN_ACCESS_TOKEN_TTL_SECONDS: '1' } });
    const token = await ownerToken(server);
    gatewayId = (await postJson(server, token, `/api/v1/orgs/${server.orgId}/gateways`, { name: 'gw-test' })).id;
  }, 60_000);
  afterAll(() => server?.stop());

  const refreshCounter = () => {
    const counter = { refreshes: 0, fetch: (async (input: string | URL | Request, init?: RequestInit) => {
      if (String(input).endsWith('/api/v1/auth/refresh')) counter.refreshes++;
      return fetch(input, init);
    }) as typeof fetch };
    return counter;
  };

  it('signs in and reads who it is', async () => {
    const api = new ApiClient({ serverUrl: server.url });
    const login = await api.login(server.adminEmail, server.adminPassword);
    expect(login.user.email).toBe(server.adminEmail);
    const me = await pamApi.me(api);
    expect(me.kind === 'user' && me.orgs.map((org) => org.id)).toEqual([server.orgId]);
  });

  it('turns a wrong password into the typed error the server threw', async () => {
    const api = new ApiClient({ serverUrl: server.url });
    const failure = await api.login(server.adminEmail, 'wrong password!').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(PosternError);
    expect((failure as PosternError).code).toBe(new InvalidCredentialsError().code);
    expect((failure as PosternError).status).toBe(401);
  });

  it('refreshes an expired access token once for concurrent calls, saves the new pair and retries', async () => {
    const counter = refreshCounter();
    const saved: unknown[] = [];
    const api = new ApiClient({ serverUrl: server.url, fetch: counter.fetch, onTokens: (tokens) => { saved.push(tokens); } });
    await api.login(server.adminEmail, server.adminPassword);
    const firstRefreshToken = api.currentTokens!.refreshToken;
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    const results = await Promise.all([pamApi.me(api), pamApi.listOrgs(api), pamApi.listProjects(api, server.orgId)]);
    expect(results[1].map((org) => org.id)).toEqual([server.orgId]);
    expect(counter.refreshes).toBe(1);
    expect(api.currentTokens!.refreshToken).not.toBe(firstRefreshToken);
    expect(saved).toHaveLength(2);
  });

  it('drops the sign-in when the refresh token is no longer accepted', async () => {
    const lost: unknown[] = [];
    const api = new ApiClient({ serverUrl: server.url, onTokens: (tokens) => { if (!tokens) lost.push(tokens); } });
    await api.login(server.adminEmail, server.adminPassword);
    const stale = new ApiClient({ serverUrl: server.url, tokens: api.currentTokens, onTokens: (tokens) => { if (!tokens) lost.push(tokens); } });
    await api.refresh(); // spends the refresh token the stale copy still holds
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    await expect(pamApi.me(stale)).rejects.toBeInstanceOf(SignInExpiredError);
    expect(lost).toHaveLength(1);
    expect(stale.currentTokens).toBeNull();
  });

  it('reports validation failures with the field path the editor shows them beside', async () => {
    const api = new ApiClient({ serverUrl: server.url });
    await api.login(server.adminEmail, server.adminPassword);
    const bad = { projectId: server.projectId, gatewayId, name: 'web', host: 'web.internal', port: 70_000 };
    const failure = await pamApi.createSshResource(api, bad).catch((error: unknown) => error) as PosternError;
    expect(failure.code).toBe('validation_failed');
    expect((failure.details?.issues as Array<{ path: string }>).map((issue) => issue.path)).toEqual(['port']);
    const created = await pamApi.createSshResource(api, { ...bad, port: 2222 });
    expect(created).toMatchObject({ type: 'ssh', port: 2222 });
    const setup = await pamApi.sshCaSetup(api, created.id);
    expect(setup.script).toMatch(/^#!\/bin\/sh\n/);
    expect(setup.caPublicKey).toMatch(/^(ssh-ed25519|ecdsa-sha2-nistp256|ssh-rsa) \S+/);
    expect(setup.scriptUrl).toBe(`${server.url}/api/v1/pam/resources/ssh/${created.id}/ssh-ca-setup`);
    await pamApi.deleteResource(api, 'ssh', created.id);
    expect(await pamApi.listResources(api, { projectId: server.projectId })).toEqual([]);
  });

  it('reads a gateway\'s health and runs the reachability check: an unenrolled gateway answers both with the reason', async () => {
    const api = new ApiClient({ serverUrl: server.url });
    await api.login(server.adminEmail, server.adminPassword);
    const health = await pamApi.gatewayHealth(api, server.orgId, gatewayId);
    expect(health).toMatchObject({ gatewayId, status: 'not_enrolled', latencyMs: null, error: expect.stringContaining('not enrolled') });
    const created = await pamApi.createSshResource(api, { projectId: server.projectId, gatewayId, name: 'reach', host: 'reach.internal', port: 22 });
    try {
      const check = await pamApi.checkReachability(api, created.id);
      expect(check).toMatchObject({ ok: false, gatewayId, target: { host: 'reach.internal', port: 22 }, latencyMs: null, sshHostKeys: null, hostKeyChanged: false });
      expect(check.error).toMatch(/not enrolled/);
    } finally {
      await pamApi.deleteResource(api, 'ssh', created.id);
    }
  });

  it('DesktopSession saves refreshed tokens to the 0600 file, and sign-out clears it and tells the UI', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'postern-session-'));
    try {
      const changes: boolean[] = [];
      const store = new CredentialsStore(dir);
      const session = new DesktopSession({ store, onChange: (signedIn) => changes.push(signedIn) });
      const view = await session.signIn({ serverUrl: `${server.url}/`, email: server.adminEmail, password: server.adminPassword });
      expect(view).toMatchObject({ serverUrl: server.url, user: { email: server.adminEmail }, orgs: [{ id: server.orgId, role: 'owner' }] });
      const first = (await store.load())!.refreshToken;
      await new Promise((resolve) => setTimeout(resolve, 1_300));
      // A second session (the CLI after the app) reads the file, refreshes, and saves the new pair.
      const later = new DesktopSession({ store });
      expect((await later.current())?.user.email).toBe(server.adminEmail);
      const saved = await store.load();
      expect(saved!.refreshToken).not.toBe(first);
      expect((await stat(store.file)).mode & 0o777).toBe(0o600);
      await later.signOut();
      expect(await store.load()).toBeNull();
      await session.signOut();
      expect(changes).toEqual([true, false]);
      expect(await session.current()).toBeNull();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('ends a sign-in revoked elsewhere: the refresh fails too, and the tokens are dropped', async () => {
    const api = new ApiClient({ serverUrl: server.url });
    await api.login(server.adminEmail, server.adminPassword);
    const lost: unknown[] = [];
    const copy = new ApiClient({ serverUrl: server.url, tokens: api.currentTokens, onTokens: (tokens) => { lost.push(tokens); } });
    await api.logout();
    await expect(pamApi.listOrgs(copy)).rejects.toBeInstanceOf(SignInExpiredError);
    expect(lost).toEqual([null]);
  });

  it('revokes the tokens on logout', async () => {
    const api = new ApiClient({ serverUrl: server.url });
    await api.login(server.adminEmail, server.adminPassword);
    const tokens = api.currentTokens;
    await api.logout();
    expect(api.currentTokens).toBeNull();
    const reused = new ApiClient({ serverUrl: server.url, tokens });
    await expect(pamApi.me(reused)).rejects.toMatchObject({ status: 401 });
  });
});

describe('ApiClient transport failures', () => {
  let silent: Server;
  let silentPort: number;
  const held = new Set<import('node:net').Socket>();
  beforeAll(async () => {
    // Accepts connections and never answers: the timeout must end the call.
    silent = createServer((socket) => { held.add(socket); });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentPort = (silent.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => {
    for (const socket of held) socket.destroy();
    silent.close(() => resolve());
  }));

  it('names an unreachable server and what to check', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const api = new ApiClient({ serverUrl: `http://127.0.0.1:${port}` });
    const failure = await api.login('a@b.c', 'x').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ServerUnreachableError);
    expect((failure as Error).message).toMatch(/Cannot reach the Postern server at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
  });

  it('gives up after the timeout', async () => {
    const api = new ApiClient({ serverUrl: `http://127.0.0.1:${silentPort}`, timeoutMs: 300 });
    const started = Date.now();
    await expect(api.login('a@b.c', 'x')).rejects.toBeInstanceOf(RequestTimeoutError);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('normalizes server URLs and refuses what is not one', () => {
    expect(normalizeServerUrl('postern.example.com/')).toBe('https://postern.example.com');
    expect(normalizeServerUrl(' http://127.0.0.1:8080/base/ ')).toBe('http://127.0.0.1:8080/base');
    expect(() => normalizeServerUrl('ftp://x')).toThrow(/not a server URL/);
    expect(() => normalizeServerUrl('http://')).toThrow(/not a server URL/);
  });
});
