/**
 * `postern pam ssh access` against a real server process: every refusal before a session exists
 * is one line that says what to do (sign in, check the name, ask for a role, the gateway is not
 * up). The shell and --local-port paths themselves are covered end to end in test/e2e/ssh-*.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerToken, postJson, startServerProcess, type ServerProcess } from '../../../../test/fixtures/server-process.ts';
import { CredentialsStore } from '../../core/credentials-store.ts';
import { DesktopSession } from '../../core/session.ts';
import type { CliEnv } from '../env.ts';
import { runCli } from '../program.ts';
import { parseDuration } from './ssh-duration.ts';

async function postern(configDir: string, args: string[], env: CliEnv = {}) {
  const output = new PassThrough();
  const error = new PassThrough();
  const input = new PassThrough();
  input.end();
  let out = '';
  let err = '';
  output.on('data', (chunk) => { out += chunk; });
  error.on('data', (chunk) => { err += chunk; });
  const session = new DesktopSession({ store: new CredentialsStore(configDir), timeoutMs: 5_000 });
  const code = await runCli({ session, env, terminal: { input, output, error } }, args);
  return { code, out, err };
}

describe('postern pam ssh access: refusals say what to do', () => {
  let server: ServerProcess;
  let ownerDir: string;
  let auditorDir: string;
  const auditor = { email: 'auditor@postern.test', password: 'Auditor-Pa55word-long' };
  const access = (extra: string[] = []) => ['pam', 'ssh', 'access', '--resource', 'web-1', '--account', 'ops', '--project-id', server.projectId, ...extra];

  beforeAll(async () => {
    server = await startServerProcess();
    [ownerDir, auditorDir] = await Promise.all([mkdtemp(join(tmpdir(), 'postern-ssh-cli-')), mkdtemp(join(tmpdir(), 'postern-ssh-cli-'))]);
    const token = await ownerToken(server);
    const gateway = await postJson(server, token, `/api/v1/orgs/${server.orgId}/gateways`, { name: 'edge-gw' });
    const resource = await postJson(server, token, '/api/v1/pam/resources/ssh', { projectId: server.projectId, gatewayId: gateway.id, name: 'web-1', host: 'web-1.internal' });
    await postJson(server, token, '/api/v1/pam/accounts', { resourceId: resource.id, name: 'ops', credential: { type: 'ssh-certificate', username: 'ops' } });
    const user = await postJson(server, token, `/api/v1/orgs/${server.orgId}/users`, { ...auditor, role: 'member' });
    await postJson(server, token, `/api/v1/projects/${server.projectId}/members`, { userId: user.id, role: 'auditor' });
    expect((await postern(ownerDir, ['login', '--domain', server.url, '--email', server.adminEmail], { POSTERN_PASSWORD: server.adminPassword })).code).toBe(0);
    expect((await postern(auditorDir, ['login', '--domain', server.url, '--email', auditor.email], { POSTERN_PASSWORD: auditor.password })).code).toBe(0);
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    for (const dir of [ownerDir, auditorDir]) if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('not signed in', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'postern-ssh-cli-'));
    const result = await postern(dir, access());
    await rm(dir, { recursive: true, force: true });
    expect(result).toMatchObject({ code: 1, err: 'Error: You are not signed in. Run: postern login\n' });
  });

  it('no such resource, no such account', async () => {
    const noResource = await postern(ownerDir, ['pam', 'ssh', 'access', '--resource', 'nope', '--account', 'ops', '--project-id', server.projectId]);
    expect(noResource).toMatchObject({ code: 1, err: 'Error: No resource with id or name "nope" exists here, or you may not see it.\n' });
    const noAccount = await postern(ownerDir, ['pam', 'ssh', 'access', '--resource', 'web-1', '--account', 'nobody', '--project-id', server.projectId]);
    expect(noAccount).toMatchObject({ code: 1, err: 'Error: No account with id or name "nobody" exists here, or you may not see it.\n' });
  });

  it('access denied names the role needed', async () => {
    const result = await postern(auditorDir, access());
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/^Error: This needs the project role admin or member; you are auditor/);
  });

  it('a gateway that is not up says so', async () => {
    const result = await postern(ownerDir, access(['--duration', '30m']));
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/^Error: The resource's gateway \S+ has not enrolled yet/);
  });

  it('a duration it cannot read, and a bad port', async () => {
    expect(await postern(ownerDir, access(['--duration', 'soon']))).toMatchObject({ code: 1, err: 'Error: "soon" is not a duration; write it like 1h, 30m, 1h30m or 45s.\n' });
    expect(await postern(ownerDir, access(['--local-port', '70000']))).toMatchObject({ code: 1, err: 'Error: --local-port must be a port number (0-65535), not "70000".\n' });
  });
});

describe('parseDuration', () => {
  it.each([['1h', 3600], ['90m', 5400], ['1h30m', 5400], ['45s', 45], ['2d', 172_800], ['15', 900]])('%s → %i s', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });
  it.each(['', '1x', 'h', '0m', '-1h'])('refuses "%s"', (text) => {
    expect(() => parseDuration(text)).toThrow(/duration/);
  });
});
