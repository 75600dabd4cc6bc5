/**
 * `postern pam kubernetes access` as a real process: it asks an API server (faked here, with
 * certificates from real CAs signed over the CLI's own CSR) for a session, dials the real relay
 * and gateway, serves kubectl, prints the export line; Ctrl-C (SIGINT) or expiry closes the
 * proxy and removes the kubeconfig or the merged context.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CredentialsStore } from '../../desktop/src/core/credentials-store.ts';
import { issueRelayClientCert, issueSessionClientCert } from '../../shared/src/pki/issue.ts';
import { startKubeApiServer, type KubeApiServer } from '../fixtures/kube-apiserver/index.ts';
import { captureOutput, KubectlSandbox, waitFor } from '../fixtures/kube-apiserver/kubectl-runner.ts';
import { startKubernetesTransport, type KubernetesTransport } from './kubernetes-transport-harness.ts';

const repoRoot = join(import.meta.dirname, '..', '..');
const org = { orgId: 'org-cli', gatewayId: 'gw-cli' };
const ids = { org: randomUUID(), project: randomUUID(), resource: randomUUID(), account: randomUUID(), gateway: randomUUID() };
const now = () => new Date().toISOString();

let cluster: KubeApiServer;
let transport: KubernetesTransport;
let api: Server;
let apiUrl: string;
let sandbox: KubectlSandbox;
const sessionsCreated: { durationSeconds: number }[] = [];
const sessionsEnded: string[] = [];

function json(res: import('node:http').ServerResponse, body: unknown): void {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(body));
}

/** The calls the command makes, answered as the real server would. */
function serveApi(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, body: string): void {
  const url = new URL(req.url ?? '/', 'http://api');
  const stamp = { orgId: ids.org, projectId: ids.project, createdAt: now(), updatedAt: now() };
  if (url.pathname === '/api/v1/pam/resources') {
    return json(res, { resources: [{ ...stamp, id: ids.resource, name: 'staging', description: '', gatewayId: ids.gateway, type: 'kubernetes',
      url: cluster.url, tls: { verify: true }, warnings: [] }] });
  }
  if (url.pathname === '/api/v1/pam/accounts') {
    return json(res, { accounts: [{ ...stamp, id: ids.account, resourceId: ids.resource, name: 'viewer', description: '', type: 'kubernetes-token',
      username: null, hasSecret: true, publicKey: null, publicKeyFingerprint: null }] });
  }
  if (url.pathname === '/api/v1/pam/sessions' && req.method === 'POST') {
    const request = JSON.parse(body) as { csr: string; durationSeconds: number; resourceName?: string; accountName?: string };
    // The CLI names the resource and account; the server finds them (by name or id) in the project.
    if (request.resourceName !== 'staging' && request.resourceName !== ids.resource) {
      res.statusCode = 404;
      return json(res, { error: { code: 'resource_not_found', message: `No resource with id or name "${request.resourceName}" exists here, or you may not see it.` } });
    }
    if (request.accountName !== 'viewer' && request.accountName !== ids.account) {
      res.statusCode = 404;
      return json(res, { error: { code: 'account_not_found', message: `No account with id or name "${request.accountName}" exists here, or you may not see it.` } });
    }
    sessionsCreated.push(request);
    const sessionId = randomUUID();
    const startedAt = new Date();
    const expiresAt = new Date(startedAt.getTime() + request.durationSeconds * 1000);
    const { pki, materials, relay } = transport;
    return json(res, {
      sessionId, gatewayId: org.gatewayId, protocol: 'kubernetes', relay: { id: 'relay-e2e', address: `127.0.0.1:${relay.tlsPort}` },
      startedAt: startedAt.toISOString(), expiresAt: expiresAt.toISOString(),
      relayClientCertificate: issueRelayClientCert(pki.relayClientCa, { csr: request.csr, orgId: org.orgId, notAfter: expiresAt }).pem,
      gatewayClientCertificate: issueSessionClientCert(pki.org(org.orgId).gatewayClientCa, {
        csr: request.csr, sessionId, gatewayId: org.gatewayId, resourceId: ids.resource, accountId: ids.account, sessionEndsAt: expiresAt,
      }).pem,
      relayServerCaCertificates: [materials.tlsServerCa], gatewayServerCaCertificates: [pki.org(org.orgId).gatewayServerCa.certificatePem],
    });
  }
  const ending = /^\/api\/v1\/pam\/sessions\/([^/]+)\/end$/.exec(url.pathname);
  if (ending && req.method === 'POST') {
    sessionsEnded.push(ending[1]!);
    return json(res, { sessionId: ending[1], status: 'ended', endedAt: now() });
  }
  res.statusCode = 404;
  json(res, { error: { code: 'not_found', message: `no route ${req.method} ${url.pathname}` } });
}

function startCli(args: string[], env: Record<string, string> = {}): { child: ChildProcessWithoutNullStreams; output: ReturnType<typeof captureOutput> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'desktop/src/cli/main.ts', 'pam', 'kubernetes', 'access', '--resource', 'staging',
    '--account', 'viewer', '--project-id', ids.project, ...args], {
    cwd: repoRoot, env: { PATH: process.env.PATH, HOME: sandbox.dir, XDG_CONFIG_HOME: join(sandbox.dir, 'config'), ...env },
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  child.once('close', () => clearTimeout(killer));
  return { child, output: captureOutput(child) };
}

async function exitOf(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const [code] = await once(child, 'close') as [number | null];
  return code;
}

beforeAll(async () => {
  [cluster, sandbox] = await Promise.all([startKubeApiServer({ token: 'sa-token-cli', pods: [{ name: 'web-1' }] }), KubectlSandbox.create()]);
  transport = await startKubernetesTransport(org, cluster, 'sa-token-cli');
  api = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => { body += d.toString(); });
    req.on('end', () => serveApi(req, res, body));
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  const later = new Date(Date.now() + 3_600_000).toISOString();
  await new CredentialsStore(join(sandbox.dir, 'config', 'postern')).save({
    serverUrl: apiUrl, accessToken: 'access', accessTokenExpiresAt: later, refreshToken: 'refresh', refreshTokenExpiresAt: later,
    user: { id: randomUUID(), email: 'dev@example.com' },
  });
}, 60_000);

afterAll(async () => {
  await transport?.close();
  await cluster?.close();
  await new Promise((resolve) => api?.close(resolve));
  await sandbox?.remove();
});

describe('postern pam kubernetes access', () => {
  it("prints the export line for Postern's own kubeconfig; kubectl works with it; Ctrl-C cleans up", async () => {
    const { child, output } = startCli(['--duration', '30m']);
    const printed = await waitFor(output.stdout, (out) => out.includes('export KUBECONFIG='), 30_000, 'the export line');
    const kubeconfig = /^export KUBECONFIG=(\S+)$/m.exec(printed)![1]!;
    expect(kubeconfig).toMatch(new RegExp(`^${join(sandbox.dir, 'config', 'postern', 'kube')}/postern-staging-[0-9a-f]{12}\\.yaml$`));
    expect((await stat(kubeconfig)).mode & 0o777).toBe(0o600);
    expect(output.stderr()).toMatch(/Kubernetes proxy listening on http:\/\/127\.0\.0\.1:\d+/);
    expect(sessionsCreated.at(-1)?.durationSeconds).toBe(1800);
    const result = await sandbox.run(kubeconfig, ['get', 'pods']);
    expect(result).toMatchObject({ code: 0 });
    expect(result.stdout).toContain('web-1');
    child.kill('SIGINT');
    expect(await exitOf(child)).toBe(0);
    expect(output.stderr()).toContain('session ended; the proxy is closed and the kubeconfig removed');
    await expect(stat(kubeconfig)).rejects.toMatchObject({ code: 'ENOENT' });
    // Ctrl-C ends the session on the server, so the gateway completes the recording now.
    const sessionId = /^Session (\S+):/m.exec(output.stderr())![1]!;
    expect(sessionsEnded).toContain(sessionId);
    expect(output.stderr()).not.toContain('could not end session');
  });

  it('--merge adds a context to KUBECONFIG and takes it out again on Ctrl-C, leaving the file as it was', async () => {
    const userConfig = join(sandbox.dir, 'user-kubeconfig');
    const original = `# mine\napiVersion: v1\nkind: Config\nclusters:\n  - name: prod\n    cluster: {server: 'https://prod.example.com'}\nusers:\n  - name: me\n    user: {token: secret}\ncontexts:\n  - name: prod\n    context: {cluster: prod, user: me}\ncurrent-context: prod\n`;
    await writeFile(userConfig, original, { mode: 0o600 });
    const { child, output } = startCli(['--merge', '--port', '0'], { KUBECONFIG: userConfig });
    await waitFor(output.stderr, (err) => err.includes('kubectl --context postern-staging'), 30_000, 'the merged context');
    expect(output.stdout()).toBe('');
    const result = await sandbox.run(userConfig, ['get', 'pods']);
    expect(result).toMatchObject({ code: 0 });
    child.kill('SIGINT');
    expect(await exitOf(child)).toBe(0);
    expect(await readFile(userConfig, 'utf8')).toBe(original);
  });

  it('at the session end the command closes the proxy, removes the kubeconfig and says so', async () => {
    const { child, output } = startCli(['--duration', '3s']);
    const printed = await waitFor(output.stdout, (out) => out.includes('export KUBECONFIG='), 30_000, 'the export line');
    const kubeconfig = /^export KUBECONFIG=(\S+)$/m.exec(printed)![1]!;
    expect(await exitOf(child)).toBe(0);
    expect(output.stderr()).toMatch(/session expired at .*; the proxy is closed and the kubeconfig removed/);
    await expect(stat(kubeconfig)).rejects.toMatchObject({ code: 'ENOENT' });
    // An expired session is over already: nothing is asked of the server.
    expect(sessionsEnded).not.toContain(/^Session (\S+):/m.exec(output.stderr())![1]!);
  });

  it('an unknown resource is a clear error, and no session is created', async () => {
    const before = sessionsCreated.length;
    const unknown = spawn(process.execPath, ['--import', 'tsx', 'desktop/src/cli/main.ts', 'pam', 'kubernetes', 'access', '--resource', 'nope',
      '--account', 'viewer', '--project-id', ids.project], { cwd: repoRoot, env: { PATH: process.env.PATH, HOME: sandbox.dir, XDG_CONFIG_HOME: join(sandbox.dir, 'config') } });
    const output = captureOutput(unknown);
    expect(await exitOf(unknown)).toBe(1);
    expect(output.stderr()).toContain('No resource with id or name "nope"');
    expect(sessionsCreated.length).toBe(before);
  });
});
