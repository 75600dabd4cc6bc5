/**
 * Helpers for the deployment e2e tests: the `npm start` launcher, relays and gateways started
 * the way an operator starts them (enrolling with a real server process), and the API calls an
 * admin makes. Every process is a real child on loopback with free ports; every wait is bounded.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SESSION_PATH_NODE_FLAGS } from '../../shared/src/runtime/node-flags.ts';
import { DENO_BIN, freePort } from './transport-harness.ts';
import { ownerToken, postJson, type ServerProcess } from '../fixtures/server-process.ts';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface Proc {
  child: ChildProcess;
  output(): string;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  exited(timeoutMs?: number): Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export function spawnTs(entry: string, args: string[], env: Record<string, string>, runtime: 'node' | 'deno' = 'node'): Proc {
  // POSTERN_CHILD_NODE_ARGS lets a benchmark profile the processes (e.g. --cpu-prof), which NODE_OPTIONS refuses.
  const extra = process.env.POSTERN_CHILD_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const [command, prefix] = runtime === 'node' ? [process.execPath, [...SESSION_PATH_NODE_FLAGS, ...extra, '--import', 'tsx']] : [DENO_BIN, ['run', '-A', '--quiet']];
  const child = spawn(command, [...prefix, entry, ...args], {
    cwd: repoRoot, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => { text += chunk.toString('utf8'); });
  child.stderr!.on('data', (chunk: Buffer) => { text += chunk.toString('utf8'); });
  const exitedPromise = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child, output: () => text,
    waitFor: async (pattern, timeoutMs = 30_000) => {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const match = pattern.exec(text);
        if (match) return match;
        if (child.exitCode !== null) throw new Error(`${entry} exited (${child.exitCode}) before ${pattern}:\n${text.slice(-3000)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`${entry}: no ${pattern} within ${timeoutMs} ms:\n${text.slice(-3000)}`);
    },
    exited: (timeoutMs = 15_000) => Promise.race([exitedPromise, new Promise<number | null>((_, reject) => setTimeout(() => reject(new Error(`${entry} did not exit within ${timeoutMs} ms`)), timeoutMs))]),
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 8_000);
      await exitedPromise;
      clearTimeout(timer);
    },
  };
}

/** A managed relay enrolling with the server's instance token, on free ports. */
export async function startEnrolledRelay(server: ServerProcess, token: string, name: string, dataDir: string, runtime: 'node' | 'deno' = 'node'): Promise<Proc & { tlsPort: number; sshPort: number }> {
  const [sshPort, tlsPort] = [await freePort(), await freePort()];
  const relay = spawnTs('relay/src/main.ts', [], {
    POSTERN_RELAY_SERVER_URL: server.url, POSTERN_RELAY_ENROLLMENT_TOKEN: token, POSTERN_RELAY_NAME: name, POSTERN_RELAY_DATA_DIR: dataDir,
    POSTERN_RELAY_SSH_LISTEN: `127.0.0.1:${sshPort}`, POSTERN_RELAY_TLS_LISTEN: `127.0.0.1:${tlsPort}`,
  }, runtime);
  await relay.waitFor(/"event":"relay_listening"/);
  return Object.assign(relay, { sshPort, tlsPort });
}

export function startEnrolledGateway(server: ServerProcess, token: string, dataDir: string, env: Record<string, string> = {}): Proc {
  return spawnTs('gateway/src/main.ts', ['--server', server.url, '--data-dir', dataDir], {
    POSTERN_GATEWAY_TOKEN: token, POSTERN_LOG_LEVEL: 'info', POSTERN_GATEWAY_BACKOFF_MAX_MS: '1000', ...env,
  });
}

/** A machine identity and a gateway bound to it; returns the gateway id and its `clientId:clientSecret`. */
export async function createGatewayWithIdentity(server: ServerProcess, ownerToken: string, name: string): Promise<{ gatewayId: string; token: string }> {
  const identity = await postJson(server, ownerToken, `/api/v1/orgs/${server.orgId}/machine-identities`, { name: `${name}-identity` });
  const gateway = await postJson(server, ownerToken, `/api/v1/orgs/${server.orgId}/gateways`, { name, machineIdentityId: identity.id ?? identity.identity?.id });
  return { gatewayId: gateway.id, token: `${identity.clientId ?? identity.identity?.clientId}:${identity.clientSecret}` };
}

export async function gatewayHealth(server: ServerProcess, ownerToken: string, gatewayId: string): Promise<Record<string, any>> {
  const response = await fetch(`${server.url}/api/v1/orgs/${server.orgId}/gateways/${gatewayId}/health`, { headers: { authorization: `Bearer ${ownerToken}` } });
  if (!response.ok) throw new Error(`health: ${response.status} ${await response.text()}`);
  return (await response.json()) as Record<string, any>;
}

/** Polls until `check` holds (bounded). */
export async function eventually<T>(probe: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await probe();
  while (!check(last)) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    last = await probe();
  }
  return last;
}

export interface Deployment {
  server: ServerProcess;
  /** The bootstrap owner's bearer token. */
  owner: string;
  relay: Proc & { tlsPort: number; sshPort: number };
  gateway: Proc;
  gatewayId: string;
  /** Each process's output, for failure messages. */
  logs(): string;
  stop(): Promise<void>;
}

/**
 * A whole deployment the way an operator runs it: a server process, a relay enrolled with the
 * instance token, and a gateway enrolled with its machine identity, connected (health says so).
 */
export async function startDeployment(dataDir: string, options: { serverProcess: Promise<ServerProcess>; relayToken: string }): Promise<Deployment> {
  const server = await options.serverProcess;
  const procs: Proc[] = [];
  const stop = async () => {
    for (const proc of procs.reverse()) await proc.stop();
    await server.stop();
  };
  try {
    const owner = await ownerToken(server);
    const relay = await startEnrolledRelay(server, options.relayToken, 'edge', join(dataDir, 'relay'));
    procs.push(relay);
    const { gatewayId, token } = await createGatewayWithIdentity(server, owner, 'gw-lab');
    const gateway = startEnrolledGateway(server, token, join(dataDir, 'gateway'));
    procs.push(gateway);
    await gateway.waitFor(/"event":"tunnel_connected"/);
    await eventually(() => gatewayHealth(server, owner, gatewayId), (health) => health.status === 'connected');
    const logs = () => [['server', server.output()], ['relay', relay.output()], ['gateway', gateway.output()]]
      .map(([name, text]) => `--- ${name} (last 2000 chars)\n${text!.slice(-2000)}`).join('\n');
    return { server, owner, relay, gateway, gatewayId, logs, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
