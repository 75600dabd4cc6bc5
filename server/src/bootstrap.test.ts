import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from './app.ts';
import { bootstrap, describeFirstStart } from './bootstrap.ts';
import { loadConfig } from './config.ts';
import { openDatabase } from './db/client.ts';
import { createLogger } from './logger.ts';
import { dbOrgKeyStore } from './services/org-key-store.ts';
import { Vault } from './services/vault.ts';
import { tableCounts } from './test/harness.ts';

// Runs the start sequence of main.ts twice on one PGlite data folder, as two server starts would.
async function start(dataDir: string, env: Record<string, string> = {}) {
  const config = loadConfig({ POSTERN_DATA_DIR: dataDir, POSTERN_LOG_LEVEL: 'silent', ...env });
  const database = await openDatabase({ dataDir });
  await database.migrate();
  const first = await bootstrap(database.db, config, new Date());
  const app = createApp({
    db: database.db, config, clock: () => new Date(), logger: createLogger('silent'),
    vault: new Vault(Buffer.alloc(32, 1), dbOrgKeyStore(database.db)),
  });
  const call = async (method: string, url: string, token?: string, body?: unknown) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) };
    const res = await app.request(url, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: res.status, body: (await res.json()) as any };
  };
  const login = (email: string, password: string) => call('POST', '/api/v1/auth/login', undefined, { email, password });
  return { config, database, first, call, login };
}

describe('bootstrap and restart', () => {
  const dirs: string[] = [];
  afterAll(() => { for (const dir of dirs) rmSync(dir, { recursive: true, force: true }); });
  const tempDir = () => { const dir = mkdtempSync(path.join(tmpdir(), 'postern-boot-')); dirs.push(dir); return dir; };

  it('creates org, project and owner with a generated password on first start; a restart changes nothing and keeps everything', async () => {
    const dataDir = tempDir();
    const one = await start(dataDir);
    expect(one.first.created).toBe(true);
    if (!one.first.created) return;
    const password = one.first.generatedPassword!;
    expect(password.length).toBeGreaterThanOrEqual(24);
    const printed = describeFirstStart(one.first, one.config.publicUrl);
    expect(printed).toContain(`curl -s -X POST ${one.config.publicUrl}/api/v1/auth/login`);
    expect(printed).toContain(password);
    const firstLogin = await one.login('admin@postern.local', password);
    expect((await one.call('POST', '/api/v1/orgs', firstLogin.body.accessToken, { name: 'Second Org' })).status).toBe(201);
    const before = await tableCounts(one.database.db);
    await one.database.close();

    const two = await start(dataDir);
    expect(two.first).toEqual({ created: false });
    const counts = await tableCounts(two.database.db);
    const login = await two.login('admin@postern.local', password);
    expect(login.status).toBe(200);
    const orgs = await two.call('GET', '/api/v1/orgs', login.body.accessToken);
    expect(orgs.body.orgs.map((org: { name: string }) => org.name)).toEqual(['Default Org', 'Second Org']);
    await two.database.close();
    expect(counts).toEqual(before);
  });

  it('takes admin, org and project from the environment and never prints that password', async () => {
    const env = { POSTERN_ADMIN_EMAIL: 'Root@Example.com', POSTERN_ADMIN_PASSWORD: 'correct horse battery staple', POSTERN_ORG_NAME: 'Acme', POSTERN_PROJECT_NAME: 'Prod' };
    const server = await start(tempDir(), env);
    try {
      expect(server.first).toMatchObject({ created: true, adminEmail: 'root@example.com', generatedPassword: undefined });
      if (server.first.created) expect(describeFirstStart(server.first, 'http://x')).not.toContain(env.POSTERN_ADMIN_PASSWORD);
      const login = await server.login('root@example.com', env.POSTERN_ADMIN_PASSWORD);
      const me = await server.call('GET', '/api/v1/auth/me', login.body.accessToken);
      expect(me.body.orgs).toEqual([expect.objectContaining({ name: 'Acme', role: 'owner' })]);
    } finally {
      await server.database.close();
    }
  });
});
