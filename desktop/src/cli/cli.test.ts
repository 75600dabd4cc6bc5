import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerToken, postJson, startServerProcess, type ServerProcess } from '../../../test/fixtures/server-process.ts';
import { CredentialsStore } from '../core/credentials-store.ts';
import { DesktopSession } from '../core/session.ts';
import type { CliEnv } from './env.ts';
import { buildCli } from '../../scripts/build-cli.ts';
import { runCli } from './program.ts';
import { parseTimingsSummary } from './timings.ts';

const desktopDir = new URL('../..', import.meta.url).pathname;

/** Runs `postern <args>` in-process against a config folder; returns exit code and what it printed. */
async function postern(configDir: string, args: string[], env: CliEnv = {}, stdin = '') {
  const output = new PassThrough();
  const error = new PassThrough();
  const input = new PassThrough();
  input.end(stdin);
  let out = '';
  let err = '';
  output.on('data', (chunk) => { out += chunk; });
  error.on('data', (chunk) => { err += chunk; });
  const session = new DesktopSession({ store: new CredentialsStore(configDir), timeoutMs: 5_000 });
  const code = await runCli({ session, env, terminal: { input, output, error } }, args);
  return { code, out, err };
}

describe('postern CLI against a real server process', () => {
  let server: ServerProcess;
  let configDir: string;
  beforeAll(async () => {
    server = await startServerProcess();
    configDir = await mkdtemp(join(tmpdir(), 'postern-cli-'));
    const token = await ownerToken(server);
    const gateway = await postJson(server, token, `/api/v1/orgs/${server.orgId}/gateways`, { name: 'edge-gw' });
    const resource = await postJson(server, token, '/api/v1/pam/resources/ssh', { projectId: server.projectId, gatewayId: gateway.id, name: 'web-1', host: 'web-1.internal' });
    await postJson(server, token, '/api/v1/pam/accounts', { resourceId: resource.id, name: 'ops', credential: { type: 'ssh-certificate', username: 'ops' } });
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    if (configDir) await rm(configDir, { recursive: true, force: true });
  });

  it('says how to sign in when nobody is', async () => {
    const whoami = await postern(configDir, ['whoami']);
    expect(whoami).toMatchObject({ code: 1, err: 'Error: You are not signed in. Run: postern login --domain <server URL>\n' });
    const list = await postern(configDir, ['pam', 'resources', 'list', '--project-id', server.projectId]);
    expect(list).toMatchObject({ code: 1, err: 'Error: You are not signed in. Run: postern login\n' });
  });

  it('refuses a wrong password with what to do, and saves nothing', async () => {
    const result = await postern(configDir, ['login', '--domain', server.url, '--email', server.adminEmail], { POSTERN_PASSWORD: 'not the password' });
    expect(result).toMatchObject({ code: 1, err: 'Error: The email or password is wrong. Check both and run postern login again.\n' });
    expect(await new CredentialsStore(configDir).load()).toBeNull();
  });

  it('names an unreachable server', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const result = await postern(configDir, ['login', '--domain', `http://127.0.0.1:${port}`, '--email', 'a@b.c'], { POSTERN_PASSWORD: 'x' });
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/^Error: Cannot reach the Postern server at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)\. Check the URL and that the server is running\.\n$/);
  });

  it('logs in with the email and password from a pipe, then lists, whoami and logs out', async () => {
    const login = await postern(configDir, ['login', '--domain', server.url], {}, `${server.adminEmail}\n${server.adminPassword}\n`);
    expect(login).toMatchObject({ code: 0, out: `Email: Password: Signed in to ${server.url} as ${server.adminEmail}.\n` });
    expect((await stat(join(configDir, 'credentials.json'))).mode & 0o777).toBe(0o600);

    const whoami = await postern(configDir, ['whoami']);
    expect(whoami.out).toContain(`${server.adminEmail} on ${server.url}`);
    expect(whoami.out).toContain(server.projectId);

    const list = await postern(configDir, ['pam', 'resources', 'list', '--project-id', server.projectId]);
    expect(list.code).toBe(0);
    const [header, row] = list.out.trimEnd().split('\n');
    expect(header).toMatch(/^NAME\s+TYPE\s+TARGET\s+GATEWAY\s+ACCOUNTS\s+ID$/);
    expect(row).toMatch(/^web-1\s+ssh\s+web-1\.internal:22\s+edge-gw\s+ops\s+[0-9a-f-]{36}$/);

    const none = await postern(configDir, ['pam', 'resources', 'list', '--project-id', server.projectId, '--type', 'kubernetes']);
    expect(none.out).toBe('No resources in project "Default Project" match.\n');

    const token = await postern(configDir, ['token']);
    expect(token.out).toMatch(/^\S+\n$/);
    const me = await fetch(`${server.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${token.out.trim()}` } });
    expect(me.status).toBe(200);

    const logout = await postern(configDir, ['logout']);
    expect(logout).toMatchObject({ code: 0, out: `Signed out of ${server.url}.\n` });
    expect(await new CredentialsStore(configDir).load()).toBeNull();
  });

  // The bin runs the bundle when it is fresh (built here, as npm install does) and the source when asked to.
  it.each(['bundle', 'source'] as const)('runs as the installed bin (%s) with POSTERN_PASSWORD and XDG_CONFIG_HOME', async (origin) => {
    if (origin === 'bundle') await buildCli();
    const xdg = await mkdtemp(join(tmpdir(), 'postern-xdg-'));
    try {
      const child = spawn(process.execPath, [join(desktopDir, 'bin/postern.js'), 'login', '--domain', server.url, '--email', server.adminEmail], {
        env: {
          PATH: process.env.PATH, HOME: xdg, XDG_CONFIG_HOME: xdg, POSTERN_PASSWORD: server.adminPassword, POSTERN_TIMINGS: '1',
          ...(origin === 'source' ? { POSTERN_CLI_FROM_SOURCE: '1' } : {}),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (chunk) => { out += chunk; });
      child.stderr.on('data', (chunk) => { err += chunk; });
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect(out).toBe(`Signed in to ${server.url} as ${server.adminEmail}.\n`);
      expect(parseTimingsSummary(err)?.origin).toBe(origin);
      expect(code).toBe(0);
      expect((await stat(join(xdg, 'postern', 'credentials.json'))).mode & 0o777).toBe(0o600);
    } finally {
      await rm(xdg, { recursive: true, force: true });
    }
  }, 60_000);
});
