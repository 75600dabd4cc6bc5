/**
 * `npm start`: a complete single-machine deployment. Starts the server (embedded database, or
 * DATABASE_URL), which makes sure a local gateway and its machine identity exist; then a managed
 * relay that enrolls with the instance enrollment token; then the local gateway, which enrolls
 * with its machine identity and opens its tunnel to that relay. Prints what to run next and
 * stops all three on Ctrl+C (gateway, relay, server, in that order). A restart reuses every
 * enrollment in the data folder while it is valid: no re-enrollment.
 * The server alone stays `node --import tsx server/src/main.ts`.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadRelayEnrollmentToken } from '../server/src/services/pki/relay-enrollment-token.ts';
import { spawnChild, type Child } from './start-children.ts';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const READY_TIMEOUT_MS = 60_000;

async function main(): Promise<void> {
  const env = process.env;
  const dataDir = resolve(env.POSTERN_DATA_DIR ?? join(repoRoot, '.postern'));
  const logDir = join(dataDir, 'logs');
  mkdirSync(logDir, { recursive: true, mode: 0o700 });
  const { token } = await loadRelayEnrollmentToken({ configured: env.POSTERN_RELAY_ENROLLMENT_TOKEN || undefined, dataDir });
  const credentialsFile = join(dataDir, 'local-gateway.json');
  const children: Child[] = [];
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    for (const child of [...children].reverse()) await child.stop();
    process.exit(code);
  };
  process.once('SIGINT', () => void stopAll(0));
  process.once('SIGTERM', () => void stopAll(0));
  const start = (name: string, entry: string, args: string[], childEnv: NodeJS.ProcessEnv, echo = false) => {
    const child = spawnChild(name, entry, args, childEnv, { logFile: join(logDir, `${name}.log`), echo, cwd: repoRoot });
    children.push(child);
    child.process.once('exit', (code, signal) => {
      if (stopping) return;
      process.stderr.write(`postern: the ${name} stopped (${code ?? signal}); stopping everything. Log: ${join(logDir, `${name}.log`)}\n`);
      void stopAll(1);
    });
    return child;
  };
  try {
    const server = start('server', 'server/src/main.ts', [], {
      ...env, POSTERN_DATA_DIR: dataDir, POSTERN_RELAY_ENROLLMENT_TOKEN: token, POSTERN_LOCAL_GATEWAY_CREDENTIALS: credentialsFile,
    }, true);
    const url = (await server.waitFor(/(?:URL:\s+|listening on )(https?:\/\/[^\s)]+)/, READY_TIMEOUT_MS))[1]!;
    const relay = start('relay', 'relay/src/main.ts', [], {
      ...env, POSTERN_RELAY_SERVER_URL: url, POSTERN_RELAY_ENROLLMENT_TOKEN: token, POSTERN_RELAY_NAME: env.POSTERN_RELAY_NAME ?? 'local',
      POSTERN_RELAY_DATA_DIR: join(dataDir, 'relay'),
      POSTERN_RELAY_SSH_LISTEN: env.POSTERN_RELAY_SSH_LISTEN ?? env.POSTERN_RELAY_GATEWAY_SSH_ADDRESS ?? '127.0.0.1:8022',
      POSTERN_RELAY_TLS_LISTEN: env.POSTERN_RELAY_TLS_LISTEN ?? env.POSTERN_RELAY_CLIENT_ADDRESS ?? '127.0.0.1:8443',
    });
    await relay.waitFor(/"event":"relay_listening"/, READY_TIMEOUT_MS);
    const local = JSON.parse(readFileSync(credentialsFile, 'utf8')) as { gatewayId: string; orgId: string; clientId: string; clientSecret: string };
    const gateway = start('gateway', 'gateway/src/main.ts', ['--server', url, '--data-dir', join(dataDir, 'gateway')], {
      // The launcher waits for the gateway's info-level 'tunnel_connected' line; the log goes to a file.
      ...env, POSTERN_LOG_LEVEL: 'info', POSTERN_GATEWAY_TOKEN: `${local.clientId}:${local.clientSecret}`,
    });
    await gateway.waitFor(/"event":"tunnel_connected"/, READY_TIMEOUT_MS);
    process.stdout.write(nextSteps(url, local, logDir));
  } catch (error) {
    process.stderr.write(`postern: could not start: ${(error as Error).message}\n`);
    await stopAll(1);
  }
}

function nextSteps(url: string, local: { gatewayId: string; orgId: string }, logDir: string): string {
  return [
    '',
    'Postern is running: server, managed relay and local gateway (connected).',
    `  gateway "local": ${local.gatewayId}`,
    `  logs:            ${logDir}`,
    'Next:',
    `  postern login --domain ${url}                     (the desktop package's CLI: npx postern …)`,
    `  curl -s -H "authorization: Bearer $TOKEN" ${url}/api/v1/orgs/${local.orgId}/gateways/${local.gatewayId}/health`,
    '  Add an SSH resource on gateway "local" (desktop app or POST /api/v1/pam/resources/ssh), then:',
    '  postern pam ssh access --resource NAME --account NAME --project-id ID',
    'Ctrl+C stops everything.',
    '',
  ].join('\n');
}

void main();
