/**
 * A whole deployment for the end-to-end benchmarks (connect time, throughput): a real server process, a
 * managed relay and a gateway enrolled with it, and a real OpenSSH sshd that trusts the
 * resource's SSH CA (the account logs in with a per-session certificate). The `postern` command
 * is signed in once; the same sshd also accepts a plain key, for the `ssh` baseline.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient, type Tokens } from '../../desktop/src/core/api-client.ts';
import { encodeOpenSshPrivateKey } from '../../shared/src/ssh/private-key.ts';
import { formatPublicKeyLine, generateEd25519KeyPair } from '../../shared/src/ssh/keys.ts';
import { createGatewayWithIdentity, eventually, gatewayHealth, startEnrolledGateway, startEnrolledRelay, type Proc } from '../../test/e2e/deployment-harness.ts';
import { ownerToken, postJson, startServerProcess, type ServerProcess } from '../../test/fixtures/server-process.ts';
import { startSshd, type RunningSshd } from '../../test/fixtures/sshd.ts';

const RELAY_TOKEN = 'relay-enrollment-token-for-the-connect-time-bench-0123';
export const REPO_ROOT = join(import.meta.dirname, '..', '..');
export const POSTERN_BIN = join(REPO_ROOT, 'desktop', 'bin', 'postern.js');

export interface ConnectDeployment {
  server: ServerProcess;
  relay: Proc;
  gateway: Proc;
  sshd: RunningSshd;
  /** The certificate account, for openSshAccess. */
  target: { projectId: string; resource: string; account: string };
  /** A private key the sshd accepts for its test user (the OpenSSH baselines log in with it). */
  directKeyFile: string;
  /** An API client signed in as the admin, for benchmarks that play the CLI in-process. */
  signIn(): Promise<ApiClient>;
  /** `postern pam ssh access` arguments for the certificate account. */
  accessArgs: string[];
  /** Environment for `postern`: its own config folder, already signed in. */
  cliEnv: Record<string, string>;
  /** `ssh` arguments that log in to the same sshd directly with a key. */
  directSshArgs: string[];
  close(): Promise<void>;
}

async function call(server: ServerProcess, token: string, method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(`${server.url}${path}`, {
    method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text;
}

export async function startConnectDeployment(): Promise<ConnectDeployment> {
  const work = mkdtempSync(join(tmpdir(), 'postern-connect-bench-'));
  const procs: Proc[] = [];
  const server = await startServerProcess({ env: { POSTERN_RELAY_ENROLLMENT_TOKEN: RELAY_TOKEN } });
  let sshd: RunningSshd | undefined;
  const close = async () => {
    for (const proc of procs.reverse()) await proc.stop();
    await sshd?.close();
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  };
  try {
    const owner = await ownerToken(server);
    const relay = await startEnrolledRelay(server, RELAY_TOKEN, 'edge', join(work, 'relay'));
    procs.push(relay);
    const { gatewayId, token } = await createGatewayWithIdentity(server, owner, 'gw');
    const gateway = startEnrolledGateway(server, token, join(work, 'gw'), { POSTERN_LOG_LEVEL: 'warn' });
    procs.push(gateway);
    await eventually(() => gatewayHealth(server, owner, gatewayId), (health) => health.status === 'connected', 60_000);

    const resource = await postJson(server, owner, '/api/v1/pam/resources/ssh', { projectId: server.projectId, name: 'bench-target', gatewayId, host: '127.0.0.1', port: 22 });
    const caLine = String(await call(server, owner, 'GET', `/api/v1/pam/resources/ssh/${resource.id}/ssh-ca-public-key`)).trim();
    const directKey = generateEd25519KeyPair();
    sshd = await startSshd({ trustedUserCaKeys: [caLine], authorizedKeys: [formatPublicKeyLine(directKey.publicKey)] });
    await call(server, owner, 'PATCH', `/api/v1/pam/resources/ssh/${resource.id}`, { port: sshd.port });
    const check = await postJson(server, owner, `/api/v1/pam/resources/${resource.id}/check-reachability`, {});
    if (!check.ok) throw new Error(`the gateway cannot reach the bench sshd: ${JSON.stringify(check)}`);
    await postJson(server, owner, '/api/v1/pam/accounts', { resourceId: resource.id, name: 'ops-cert', credential: { type: 'ssh-certificate', username: sshd.user } });

    const cliEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: work, XDG_CONFIG_HOME: join(work, 'config'), TERM: 'xterm-256color' };
    execFileSync(process.execPath, [POSTERN_BIN, 'login', '--domain', server.url, '--email', server.adminEmail], {
      env: { ...cliEnv, POSTERN_PASSWORD: server.adminPassword }, stdio: ['ignore', 'ignore', 'inherit'], timeout: 60_000,
    });
    const keyFile = join(work, 'id_ed25519');
    writeFileSync(keyFile, encodeOpenSshPrivateKey(directKey.privateKey), { mode: 0o600 });
    return {
      server, relay, gateway, sshd, cliEnv, close, directKeyFile: keyFile,
      target: { projectId: server.projectId, resource: 'bench-target', account: 'ops-cert' },
      signIn: async () => {
        const tokens = await fetch(`${server.url}/api/v1/auth/login`, {
          method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: server.adminEmail, password: server.adminPassword }),
        }).then((r) => r.json() as Promise<Tokens>);
        return new ApiClient({ serverUrl: server.url, tokens });
      },
      accessArgs: ['pam', 'ssh', 'access', '--resource', 'bench-target', '--account', 'ops-cert', '--project-id', server.projectId, '--duration', '10m'],
      directSshArgs: [
        '-F', '/dev/null', '-i', keyFile, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes', '-o', 'UserKnownHostsFile=/dev/null',
        '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'StrictHostKeyChecking=no', '-o', 'LogLevel=ERROR', '-p', String(sshd.port), `${sshd.user}@127.0.0.1`,
      ],
    };
  } catch (error) {
    await close();
    throw error;
  }
}
