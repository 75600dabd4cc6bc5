/**
 * Test harness for the transport e2e tests: the relay and gateways as real processes
 * (`node --import tsx …/main.ts`, pid = the node process itself), a session-check endpoint the
 * gateways ask, a recording TCP proxy to capture the bytes on the relay's sockets, and the
 * dialer options for a client of an org. Every wait is bounded.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { SESSION_PATH_NODE_FLAGS } from '../../shared/src/runtime/node-flags.ts';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DialGatewayOptions } from '../../desktop/src/core/dialer.ts';
import type { RelayMaterials, TlsCredentials, TransportPki } from '../../shared/src/relay/transport-pki.test-support.ts';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface ChildHandle {
  child: ChildProcess;
  pid: number;
  output(): string;
  /** Resolves when a JSON log line with `event` appears after `fromLine` (bounded). */
  waitForEvent(event: string, timeoutMs?: number, fromLine?: number): Promise<Record<string, unknown>>;
  lineCount(): number;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Deno from the `deno` npm package (root devDependency), so CI needs nothing else. */
export const DENO_BIN = join(repoRoot, 'node_modules', '.bin', 'deno');

function spawnTs(entry: string, env: Record<string, string>, runtime: 'node' | 'deno' = 'node'): ChildHandle {
  // POSTERN_CHILD_NODE_ARGS lets a benchmark profile the relay and gateway (e.g. --cpu-prof), which NODE_OPTIONS refuses.
  const extra = process.env.POSTERN_CHILD_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const [command, args] = runtime === 'node' ? [process.execPath, [...extra, '--import', 'tsx', entry]] : [DENO_BIN, ['run', '-A', '--quiet', entry]];
  const child = spawn(command, args, {
    cwd: repoRoot, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  let pending = '';
  const lines: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  // Both streams feed one line list: the relay logs on stderr, pino on stdout.
  const feed = (chunk: Buffer) => {
    text += chunk.toString('utf8');
    pending += chunk.toString('utf8');
    const parts = pending.split('\n');
    pending = parts.pop() ?? '';
    for (const part of parts) {
      try { lines.push(JSON.parse(part) as Record<string, unknown>); } catch { lines.push({ raw: part }); }
    }
    for (const wake of waiters) wake();
  };
  child.stdout!.on('data', feed);
  child.stderr!.on('data', feed);
  const handle: ChildHandle = {
    child, pid: child.pid!,
    output: () => text,
    lineCount: () => lines.length,
    waitForEvent: (event, timeoutMs = 15_000, fromLine = 0) => new Promise((resolve, reject) => {
      const check = () => {
        const found = lines.slice(fromLine).find((line) => line.event === event);
        if (found) {
          cleanup();
          resolve(found);
        } else if (child.exitCode !== null) {
          cleanup();
          reject(new Error(`${entry} exited (${child.exitCode}) before "${event}":\n${text}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no "${event}" from ${entry} within ${timeoutMs} ms:\n${text}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      child.once('exit', check);
      check();
    }),
    kill: async (signal = 'SIGKILL') => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await Promise.race([once(child, 'exit'), new Promise((r) => setTimeout(r, 5000))]);
    },
  };
  return handle;
}

export interface RelayProcess extends ChildHandle {
  sshPort: number;
  tlsPort: number;
}

export async function startRelayProcess(
  materials: RelayMaterials, ports: { sshPort: number; tlsPort: number } = { sshPort: 0, tlsPort: 0 }, runtime: 'node' | 'deno' = 'node',
  extraEnv: Record<string, string> = {},
): Promise<RelayProcess> {
  const handle = spawnTs('relay/src/main.ts', {
    POSTERN_RELAY_ID: 'relay-e2e',
    POSTERN_RELAY_SSH_LISTEN: `127.0.0.1:${ports.sshPort}`,
    POSTERN_RELAY_TLS_LISTEN: `127.0.0.1:${ports.tlsPort}`,
    POSTERN_RELAY_FIRST_FRAME_TIMEOUT_MS: '3000',
    POSTERN_RELAY_SSH_HOST_KEY: materials.sshHostKey,
    POSTERN_RELAY_SSH_HOST_CERT: materials.sshHostCertificate,
    POSTERN_RELAY_SSH_CLIENT_CA: materials.sshClientCaKeys.join('\n'),
    POSTERN_RELAY_TLS_CERT: materials.tlsCertificate,
    POSTERN_RELAY_TLS_KEY: materials.tlsKey,
    POSTERN_RELAY_TLS_CLIENT_CA: materials.tlsClientCa,
    ...extraEnv,
  }, runtime);
  const listening = await handle.waitForEvent('relay_listening', 60_000);
  return { ...handle, sshPort: Number(listening.sshPort), tlsPort: Number(listening.tlsPort) };
}

export interface GatewaySpec {
  orgId: string;
  gatewayId: string;
  relaySshPort: number;
  sessionCheckUrl: string;
  ssh?: { privateKey: string; certificate: string };
}

/** A gateway's configuration environment with the PKI's credentials for `spec` (gateway/src/config.ts reads it). */
export function gatewayEnv(pki: TransportPki, materials: RelayMaterials, spec: GatewaySpec): Record<string, string> {
  const ssh = spec.ssh ?? pki.gatewaySsh(spec.orgId, spec.gatewayId);
  const tls = pki.gatewayTls(spec.orgId, spec.gatewayId);
  return {
    POSTERN_GATEWAY_RELAY: `127.0.0.1:${spec.relaySshPort}`,
    POSTERN_GATEWAY_SESSION_CHECK_URL: spec.sessionCheckUrl,
    POSTERN_GATEWAY_BACKOFF_INITIAL_MS: '100',
    POSTERN_GATEWAY_BACKOFF_MAX_MS: '1000',
    POSTERN_GATEWAY_SSH_KEY: ssh.privateKey,
    POSTERN_GATEWAY_SSH_CERT: ssh.certificate,
    POSTERN_GATEWAY_RELAY_HOST_CA: materials.sshHostCaKey,
    POSTERN_GATEWAY_TLS_CERT: tls.certPem,
    POSTERN_GATEWAY_TLS_KEY: tls.keyPem,
    POSTERN_GATEWAY_TLS_CLIENT_CA: tls.clientCaPem,
  };
}

export function startGatewayProcess(pki: TransportPki, materials: RelayMaterials, spec: GatewaySpec): ChildHandle {
  return spawnTs('gateway/src/main.ts', gatewayEnv(pki, materials, spec));
}

/** The server's "is this session active?" endpoint, as the gateway will call it. */
export async function startSessionCheck(): Promise<{ url: string; revoked: Set<string>; close(): Promise<void> }> {
  const revoked = new Set<string>();
  const server = createHttpServer((request, response) => {
    const sessionId = decodeURIComponent(request.url?.split('/').at(-1) ?? '');
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ active: !revoked.has(sessionId) }));
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/sessions/{sessionId}`,
    revoked,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** A TCP proxy in front of a relay listener that records every byte in both directions. */
export async function startRecordingProxy(targetPort: number, listenPort = 0): Promise<{ port: number; captured(): Buffer; close(): Promise<void> }> {
  const chunks: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((inbound) => {
    const outbound = net.connect(targetPort, '127.0.0.1');
    for (const [from, to] of [[inbound, outbound], [outbound, inbound]] as const) {
      sockets.add(from);
      from.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        to.write(chunk);
      });
      from.on('end', () => to.end());
      from.on('error', () => to.destroy());
      from.on('close', () => { sockets.delete(from); to.destroy(); });
    }
  }).listen(listenPort, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    captured: () => Buffer.concat(chunks),
    close: () => new Promise((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }),
  };
}

/** Dial options for a client of `orgId` reaching `gatewayId`, with any hop's credentials swapped. */
export function dialOptionsFor(pki: TransportPki, materials: RelayMaterials, relayPort: number, spec: {
  orgId: string; gatewayId: string; relayClient?: TlsCredentials; session?: TlsCredentials; gatewayCa?: string; relayCa?: string; alpn?: string;
}): DialGatewayOptions {
  const relayClient = spec.relayClient ?? pki.relayClient(spec.orgId);
  const session = spec.session ?? pki.session(spec.orgId, spec.gatewayId);
  return {
    relay: { host: '127.0.0.1', port: relayPort, ca: spec.relayCa ?? materials.tlsServerCa, cert: relayClient.certPem, key: relayClient.keyPem },
    gatewayId: spec.gatewayId,
    gateway: { ca: spec.gatewayCa ?? pki.org(spec.orgId).gatewayServerCa.certificatePem },
    session: { cert: session.certPem, key: session.keyPem },
    alpn: spec.alpn ?? 'postern-ping',
    timeoutMs: 8000,
  };
}

/** Writes `payload` on an echo stream and resolves with the same number of bytes read back (bounded). */
export function echo(stream: NodeJS.ReadWriteStream & { destroy(): void }, payload: Buffer, timeoutMs = 8000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const timer = setTimeout(() => { cleanup(); reject(new Error(`echo timed out after ${received}/${payload.length} bytes`)); }, timeoutMs);
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      if (received >= payload.length) { cleanup(); resolve(Buffer.concat(chunks)); }
    };
    const onClose = () => { cleanup(); reject(new Error(`the stream closed after ${received}/${payload.length} echoed bytes`)); };
    const cleanup = () => { clearTimeout(timer); stream.off('data', onData); stream.off('close', onClose); };
    stream.on('data', onData);
    stream.on('close', onClose);
    stream.write(payload);
  });
}

/** Listening TCP sockets (IPv4 and IPv6) that belong to process `pid`, read from /proc. */
export function listeningTcpSocketsOf(pid: number): string[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1]!);
    } catch { /* the fd closed while we looked */ }
  }
  const listening: string[] = [];
  for (const table of ['tcp', 'tcp6']) {
    for (const line of readFileSync(`/proc/${pid}/net/${table}`, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // fields: sl local_address rem_address st … inode (index 9); st 0A = LISTEN
      if (fields[3] === '0A' && inodes.has(fields[9] ?? '')) listening.push(`${table} ${fields[1]}`);
    }
  }
  return listening;
}
