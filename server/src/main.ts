import { serve } from '@hono/node-server';
import { createApp } from './app.ts';
import { bootstrap, describeFirstStart } from './bootstrap.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { openDatabase } from './db/client.ts';
import type { AppDeps } from './deps.ts';
import { createLogger } from './logger.ts';
import { dbOrgKeyStore } from './services/org-key-store.ts';
import { ensureLocalGateway } from './services/platform/local-gateway.ts';
import { loadRootKey } from './services/root-key.ts';
import { pruneExpiredTokens } from './services/tokens.ts';
import { Vault } from './services/vault.ts';

/**
 * `npm start`: the composition root. Reads the environment once, opens and migrates the database,
 * bootstraps an empty one, and serves the API until SIGINT/SIGTERM.
 */
function readConfig(): Config {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  const logger = createLogger(config.logLevel);
  const database = await openDatabase(config.databaseUrl ? { databaseUrl: config.databaseUrl } : { dataDir: config.dataDir });
  await database.migrate();
  const rootKey = await loadRootKey({ rootKeyBase64: config.rootKey, dataDir: config.dataDir });
  const deps: AppDeps = {
    db: database.db, config, clock: () => new Date(), logger,
    vault: new Vault(rootKey.key, dbOrgKeyStore(database.db)),
  };
  const first = await bootstrap(database.db, config, deps.clock());
  if (config.localGatewayCredentialsFile) await ensureLocalGateway(database.db, config.localGatewayCredentialsFile, deps.clock());
  const prune = () => pruneExpiredTokens(database.db, deps.clock()).then(
    (removed) => logger.info(removed, 'pruned expired tokens'),
    (error: unknown) => logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'token pruning failed'),
  );
  await prune();
  const pruneTimer = setInterval(prune, 60 * 60 * 1000);
  pruneTimer.unref();
  const app = createApp(deps);
  const server = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, (info) => {
    // With POSTERN_PORT=0 the OS picks the port, so the configured URL cannot know it.
    const url = config.port === 0 ? `http://${config.host}:${info.port}` : config.publicUrl;
    logger.info({ host: info.address, port: info.port, database: database.backend, rootKey: rootKey.source }, 'listening');
    if (first.created) process.stdout.write(describeFirstStart(first, url));
    else process.stdout.write(`Postern is listening on ${url} (API: ${url}/api/v1/openapi.json)\n`);
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    clearInterval(pruneTimer);
    logger.info({ signal }, 'stopping');
    server.close(() => {
      database.close().then(() => process.exit(0), () => process.exit(1));
    });
    // Open keep-alive connections must not hold the process forever.
    setTimeout(() => process.exit(0), 5_000).unref();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`Postern failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
