import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// `npm start` as a real process under Node's own ESM loader (tsx), not vitest's: it catches what
// only plain Node rejects (CommonJS named imports), and proves a restart on the same data folder
// keeps the admin, the org and the data.
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const mainPath = fileURLToPath(new URL('./main.ts', import.meta.url));

interface Started { child: ChildProcess; output: () => string; url: string }

async function startServer(dataDir: string, env: Record<string, string> = {}): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', mainPath], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', POSTERN_DATA_DIR: dataDir, POSTERN_PORT: '0', POSTERN_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const deadline = Date.now() + 45_000;
  while (Date.now() < deadline) {
    const url = /(http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
    if (url && /curl|listening on/.test(output)) return { child, output: () => output, url };
    if (child.exitCode !== null) throw new Error(`server exited ${child.exitCode}: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`server did not start in time: ${output}`);
}

async function stopServer(server: Started): Promise<number | null> {
  if (server.child.exitCode !== null) return server.child.exitCode;
  const exited = new Promise<number | null>((resolve) => server.child.once('exit', (code) => resolve(code)));
  server.child.kill('SIGTERM');
  const timer = setTimeout(() => server.child.kill('SIGKILL'), 10_000);
  const code = await exited;
  clearTimeout(timer);
  return code;
}

async function login(url: string, email: string, password: string) {
  const res = await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  return { status: res.status, body: (await res.json()) as any };
}

// The process test is about the embedded database's data folder; the PostgreSQL project covers
// openDatabase/migrate on PostgreSQL through the harness, so it does not start the process twice.
describe.skipIf(process.env.POSTERN_TEST_DB === 'postgres')('npm start (server/src/main.ts)', () => {
  let dataDir = '';
  const running: Started[] = [];
  beforeAll(() => { dataDir = mkdtempSync(path.join(tmpdir(), 'postern-main-')); });
  afterAll(async () => {
    for (const server of running) await stopServer(server);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('first start prints a working login; a restart keeps everything and prints no password', async () => {
    const first = await startServer(dataDir);
    running.push(first);
    const password = /password:\s+(\S+)\s+\(shown once/.exec(first.output())?.[1];
    expect(password).toBeDefined();
    const doc = await fetch(`${first.url}/api/v1/openapi.json`);
    expect(doc.status).toBe(200);
    const signedIn = await login(first.url, 'admin@postern.local', password!);
    expect(signedIn.status).toBe(200);
    const created = await fetch(`${first.url}/api/v1/orgs`, {
      method: 'POST', headers: { authorization: `Bearer ${signedIn.body.accessToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Survives Restart' }),
    });
    expect(created.status).toBe(201);
    expect(await stopServer(first)).toBe(0);

    const second = await startServer(dataDir);
    running.push(second);
    expect(second.output()).toContain('listening on');
    expect(second.output()).not.toContain(password!);
    const again = await login(second.url, 'admin@postern.local', password!);
    expect(again.status).toBe(200);
    const orgs = await fetch(`${second.url}/api/v1/orgs`, { headers: { authorization: `Bearer ${again.body.accessToken}` } });
    expect(((await orgs.json()) as any).orgs.map((org: { name: string }) => org.name)).toEqual(['Default Org', 'Survives Restart']);
  }, 120_000);

  it('refuses a bad setting at start, naming the variable', async () => {
    await expect(startServer(dataDir, { POSTERN_PORT: 'eighty' })).rejects.toThrow(/exited 2: .*POSTERN_PORT/s);
  });
});
