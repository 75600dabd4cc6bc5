import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeOpenSshPrivateKey } from '@postern/shared/ssh/private-key';
import { generateEd25519KeyPair } from '@postern/shared/ssh/keys';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { sshResourceInput } from '../../test/pam-fixtures.ts';
import { PKI_ENV, makeRequesterKeys, seedPkiWorld, sshKeygenList, type PkiWorld } from '../../services/pki/pki-world.test-support.ts';
import { SSHD_TEST_USER, ensureTestUser, freeLoopbackPort } from '../../../../test/fixtures/sshd.ts';
import { runSsh } from '../../../../test/fixtures/ssh-client.ts';

/**
 * The ssh-ca-setup script, run for real against a throwaway sshd config and key folder, then a
 * real sshd started by the script's own restart step must accept a per-session certificate from
 * this resource's CA and refuse one from another resource's CA.
 */

interface Sandbox { dir: string; config: string; caKeys: string; port: number }

function makeSandbox(port: number, extra: string[] = []): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), 'postern-ca-setup-'));
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'host_ed25519'), encodeOpenSshPrivateKey(generateEd25519KeyPair().privateKey), { mode: 0o600 });
  const config = join(dir, 'sshd_config');
  writeFileSync(config, [
    `Port ${port}`, 'ListenAddress 127.0.0.1', `HostKey ${join(dir, 'host_ed25519')}`, `PidFile ${join(dir, 'sshd.pid')}`,
    'AuthorizedKeysFile none', 'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'UsePAM no', 'StrictModes no',
    `AllowUsers ${SSHD_TEST_USER}`, 'LogLevel VERBOSE', ...extra,
    // A Match block at the end: a directive appended after it would apply only inside it.
    'Match User nobody', '  PasswordAuthentication no', '',
  ].join('\n'), { mode: 0o644 });
  return { dir, config, caKeys: join(dir, 'trusted_user_ca_keys'), port };
}

function runScript(script: string, sandbox: Sandbox, restartCommand: string) {
  const result = spawnSync('sh', ['-c', script], {
    encoding: 'utf8', timeout: 20_000,
    env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', POSTERN_SSHD_CONFIG: sandbox.config, POSTERN_CA_KEYS_FILE: sandbox.caKeys, POSTERN_SSHD_RESTART_CMD: restartCommand },
  });
  return { code: result.status, stderr: result.stderr };
}

async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => { socket.destroy(); resolve(true); });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
}

describe('ssh-ca-setup: the script makes a real sshd trust the resource CA', () => {
  let server: TestServer;
  let world: PkiWorld;
  let resourceId: string;
  let accountId: string;
  let otherAccountId: string;
  let script: string;
  let sandbox: Sandbox;

  beforeAll(async () => {
    ensureTestUser();
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    server = await createTestServer({ env: PKI_ENV });
    world = await seedPkiWorld(server);
    const admin = world.users.admin.token;
    resourceId = (await server.post('/api/v1/pam/resources/ssh', sshResourceInput(world, { host: '127.0.0.1' }), admin)).body.id;
    const otherResourceId = (await server.post('/api/v1/pam/resources/ssh', sshResourceInput(world, { host: '127.0.0.1' }), admin)).body.id;
    const account = (id: string) => server.post('/api/v1/pam/accounts', { resourceId: id, name: 'cert', credential: { type: 'ssh-certificate', username: SSHD_TEST_USER } }, admin);
    accountId = (await account(resourceId)).body.id;
    otherAccountId = (await account(otherResourceId)).body.id;
    const res = await server.get(`/api/v1/pam/resources/ssh/${resourceId}/ssh-ca-setup`, world.users.member.token);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/x-shellscript');
    script = res.text;
    sandbox = makeSandbox(await freeLoopbackPort());
  });
  afterAll(async () => {
    const pidFile = sandbox ? join(sandbox.dir, 'sshd.pid') : '';
    if (pidFile && existsSync(pidFile)) {
      try { process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGTERM'); } catch { /* already gone */ }
    }
    if (sandbox) rmSync(sandbox.dir, { recursive: true, force: true });
    await server?.close();
  });

  /** A per-session certificate for `account`, as the session's gateway receives it, written beside its key. */
  async function sessionCertificate(account: string): Promise<{ identity: string; certificate: string }> {
    const client = makeRequesterKeys('client');
    const session = await server.post('/api/v1/pam/sessions', { accountId: account, durationSeconds: 600, csr: client.csr }, world.users.member.token);
    expect(session.status).toBe(201);
    const gatewayKeys = makeRequesterKeys('gateway-session');
    const creds = await server.post(`/api/v1/pam/sessions/${session.body.sessionId}/credentials`, { sshPublicKey: gatewayKeys.sshPublicKey }, world.gatewayIdentityA.token);
    expect(creds.status).toBe(200);
    const identity = join(sandbox.dir, `id-${session.body.sessionId}`);
    writeFileSync(identity, gatewayKeys.sshPrivateKeyOpenSsh, { mode: 0o600 });
    writeFileSync(`${identity}-cert.pub`, `${creds.body.credential.certificate}\n`);
    return { identity, certificate: creds.body.credential.certificate };
  }

  it('installs the key, puts TrustedUserCAKeys before any Match block, validates, and starts sshd', async () => {
    const result = runScript(script, sandbox, `/usr/sbin/sshd -f ${sandbox.config}`);
    expect(result).toMatchObject({ code: 0 });
    const config = readFileSync(sandbox.config, 'utf8');
    expect(config.split('\n').filter((line) => /^TrustedUserCAKeys /.test(line))).toEqual([`TrustedUserCAKeys ${sandbox.caKeys}`]);
    expect(config.indexOf('TrustedUserCAKeys')).toBeLessThan(config.indexOf('Match User nobody'));
    const publicKey = (await server.get(`/api/v1/pam/resources/ssh/${resourceId}/ssh-ca-public-key`, world.users.member.token)).text;
    expect(readFileSync(sandbox.caKeys, 'utf8')).toBe(publicKey);
    await waitForPort(sandbox.port);
  });

  it('a second run changes nothing and restarts nothing', () => {
    const before = [readFileSync(sandbox.config, 'utf8'), readFileSync(sandbox.caKeys, 'utf8')];
    const result = runScript(script, sandbox, 'false');
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('already set up');
    expect([readFileSync(sandbox.config, 'utf8'), readFileSync(sandbox.caKeys, 'utf8')]).toEqual(before);
  });

  it("the sshd accepts a per-session certificate from this resource's CA (real ssh client)", async () => {
    const { identity, certificate } = await sessionCertificate(accountId);
    const listing = sshKeygenList(certificate);
    expect(listing).toMatch(new RegExp(`Principals:\\s*\\n\\s*${SSHD_TEST_USER}\\s*\\n`));
    expect(listing).toMatch(/Key ID: "user:[0-9a-f-]{36} session:[0-9a-f-]{36}"/);
    const result = await runSsh({ port: sandbox.port, user: SSHD_TEST_USER, identity, command: 'echo postern-ca-ok' });
    expect(result.stdout.trim()).toBe('postern-ca-ok');
    expect(result.code).toBe(0);
  });

  it("the sshd refuses a certificate from another resource's CA", async () => {
    const { identity } = await sessionCertificate(otherAccountId);
    const result = await runSsh({ port: sandbox.port, user: SSHD_TEST_USER, identity, command: 'echo should-not-run' });
    expect(result.code).not.toBe(0);
    expect(result.stdout).not.toContain('should-not-run');
    expect(result.stderr).toMatch(/Permission denied/);
  });
});

describe('ssh-ca-setup: backs out on failure', () => {
  let server: TestServer;
  let script: string;
  beforeAll(async () => {
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    server = await createTestServer({ env: PKI_ENV });
    const world = await seedPkiWorld(server, { enrollGateways: false });
    const id = (await server.post('/api/v1/pam/resources/ssh', sshResourceInput(world), world.users.admin.token)).body.id;
    script = (await server.get(`/api/v1/pam/resources/ssh/${id}/ssh-ca-setup`, world.users.admin.token)).text;
  });
  afterAll(() => server?.close());

  it.each([
    ['the restart fails', [] as string[], 'false', /did not restart/],
    ['sshd -t refuses the configuration', ['NotAnSshdOption yes'], 'true', /sshd -t refused/],
  ])('when %s, both files are restored byte for byte', async (_label, extra, restart, message) => {
    const sandbox = makeSandbox(await freeLoopbackPort(), extra);
    try {
      writeFileSync(sandbox.caKeys, 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtherCaKeyThatWasHereBefore0000000000000000 keep-me\n');
      const before = [readFileSync(sandbox.config, 'utf8'), readFileSync(sandbox.caKeys, 'utf8')];
      const result = runScript(script, sandbox, restart);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(message);
      expect([readFileSync(sandbox.config, 'utf8'), readFileSync(sandbox.caKeys, 'utf8')]).toEqual(before);
    } finally {
      rmSync(sandbox.dir, { recursive: true, force: true });
    }
  });
});
