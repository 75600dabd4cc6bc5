import { Writable } from 'node:stream';
import { count, getTableName, is } from 'drizzle-orm';
import { PgTable } from 'drizzle-orm/pg-core';
import { createApp } from '../app.ts';
import { loadConfig, type Config } from '../config.ts';
import type { Database, Db } from '../db/client.ts';
import * as schema from '../db/schema/index.ts';
import type { AppDeps } from '../deps.ts';
import type { App } from '../http/openapi.ts';
import { createLogger } from '../logger.ts';
import { openTestDatabase, type TestBackend } from './database.ts';
import { createSeeder, type Seeder } from './seed.ts';
import { randomBytes } from 'node:crypto';
import { dbOrgKeyStore } from '../services/org-key-store.ts';
import { Vault } from '../services/vault.ts';

export interface TestResponse<T = any> {
  status: number;
  headers: Headers;
  /** Parsed JSON when the response is JSON, else the text. */
  body: T;
  text: string;
}

export interface RequestOptions {
  token?: string;
  /** Serialized as JSON with Content-Type: application/json. */
  json?: unknown;
  /** Sent as is (for malformed JSON, oversized bodies); Content-Type defaults to application/json. */
  rawBody?: string | Uint8Array;
  headers?: Record<string, string>;
}

export interface TestServer extends Seeder {
  app: App;
  db: Db;
  database: Database;
  deps: AppDeps;
  config: Config;
  backend: TestBackend;
  /** Every log line the server wrote, as raw JSON text (search it for secrets). */
  logs: string[];
  /** Every response text the harness has seen (search it for secrets). */
  responses: string[];
  /** Moves the server's clock forward; the database's own now() is unaffected. */
  advanceClock(ms: number): void;
  request<T = any>(method: string, path: string, options?: RequestOptions): Promise<TestResponse<T>>;
  get<T = any>(path: string, token?: string): Promise<TestResponse<T>>;
  post<T = any>(path: string, json: unknown, token?: string): Promise<TestResponse<T>>;
  patch<T = any>(path: string, json: unknown, token?: string): Promise<TestResponse<T>>;
  put<T = any>(path: string, json: unknown, token?: string): Promise<TestResponse<T>>;
  delete<T = any>(path: string, token?: string): Promise<TestResponse<T>>;
  /** Row count of every table, to prove a refused request changed nothing. */
  tableCounts(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  backend?: TestBackend;
  /** Extra environment for loadConfig (e.g. POSTERN_MAX_BODY_BYTES). */
  env?: Record<string, string>;
  /** Lets the lead's vault (or anything else) join the deps before the app is built. */
  extendDeps?: (deps: AppDeps) => AppDeps | Promise<AppDeps>;
}

function captureLogs(lines: string[]): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(line);
      done();
    },
  });
}

/** A real app on a real database (PGlite in memory, or a fresh PostgreSQL database), no port. */
export async function createTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const database = await openTestDatabase(options.backend);
  const config = loadConfig({ POSTERN_PUBLIC_URL: 'http://127.0.0.1:8080', POSTERN_LOG_LEVEL: 'debug', ...options.env });
  const logs: string[] = [];
  const responses: string[] = [];
  let clockOffsetMs = 0;
  const baseDeps: AppDeps = {
    db: database.db,
    config,
    clock: () => new Date(Date.now() + clockOffsetMs),
    logger: createLogger(config.logLevel, captureLogs(logs)),
    vault: new Vault(randomBytes(32), dbOrgKeyStore(database.db)),
  };
  const deps = options.extendDeps ? await options.extendDeps(baseDeps) : baseDeps;
  const app = createApp(deps);

  async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<TestResponse<T>> {
    const headers: Record<string, string> = { ...opts.headers };
    let body: string | Uint8Array | undefined;
    if (opts.json !== undefined) body = JSON.stringify(opts.json);
    if (opts.rawBody !== undefined) body = opts.rawBody;
    if (body !== undefined) headers['content-type'] ??= 'application/json';
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    const response = await app.request(new Request(`http://postern.test${path}`, { method, headers, body: body as RequestInit['body'] }));
    const text = await response.text();
    responses.push(text);
    const isJson = (response.headers.get('content-type') ?? '').includes('json');
    return { status: response.status, headers: response.headers, text, body: (isJson && text ? JSON.parse(text) : text) as T };
  }

  const server: TestServer = {
    app, db: database.db, database, deps, config, backend: database.backend, logs, responses,
    advanceClock: (ms) => { clockOffsetMs += ms; },
    request,
    get: (path, token) => request('GET', path, { ...(token ? { token } : {}) }),
    post: (path, json, token) => request('POST', path, { json, ...(token ? { token } : {}) }),
    patch: (path, json, token) => request('PATCH', path, { json, ...(token ? { token } : {}) }),
    put: (path, json, token) => request('PUT', path, { json, ...(token ? { token } : {}) }),
    delete: (path, token) => request('DELETE', path, { ...(token ? { token } : {}) }),
    tableCounts: () => tableCounts(database.db),
    close: () => database.close(),
    ...createSeeder(deps),
  };
  return server;
}

export async function tableCounts(db: Db): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of Object.values(schema)) {
    if (!is(table, PgTable)) continue;
    const [row] = await db.select({ n: count() }).from(table);
    counts[getTableName(table)] = row?.n ?? 0;
  }
  return counts;
}
