/**
 * Starts bench/lib/ssh-gateway-main.ts as its own process (pid = the node process, so its RSS
 * is the gateway's) and follows its JSON log lines: wait for one event, count another.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RelayMaterials, TransportPki } from '../../shared/src/relay/transport-pki.test-support.ts';
import { gatewayEnv } from '../../test/e2e/transport-harness.ts';
import type { BenchTarget } from './ssh-gateway-main.ts';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..');

export interface SshGatewayProcess {
  pid: number;
  /** How many log lines carried `event` so far. */
  count(event: string): number;
  /** Resolves when `count(event)` reaches `times` (bounded). */
  waitFor(event: string, times?: number, timeoutMs?: number): Promise<void>;
  /** Log lines at warn or error level by "event error", for the report when sessions fail. */
  warnings(): Map<string, number>;
  stop(): Promise<void>;
}

export function startSshGatewayProcess(pki: TransportPki, materials: RelayMaterials, spec: {
  orgId: string; gatewayId: string; relaySshPort: number; sessionCheckUrl: string; target: BenchTarget;
}): SshGatewayProcess {
  // POSTERN_CHILD_NODE_ARGS (as in test/e2e/transport-harness.ts) lets a run profile the gateway: "--cpu-prof --cpu-prof-dir=…".
  const nodeArgs = process.env.POSTERN_CHILD_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', join(here, 'ssh-gateway-main.ts')], {
    cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp',
      ...gatewayEnv(pki, materials, spec),
      POSTERN_BENCH_TARGET: JSON.stringify(spec.target),
    },
  });
  return follow(child);
}

function follow(child: ChildProcess): SshGatewayProcess {
  const counts = new Map<string, number>();
  const warnings = new Map<string, number>();
  const wakers = new Set<() => void>();
  let pending = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    for (const text of lines) {
      let line: { event?: string; level?: string; error?: string };
      try { line = JSON.parse(text) as typeof line; } catch { line = {}; }
      if (line.event) counts.set(line.event, (counts.get(line.event) ?? 0) + 1);
      if (line.level === 'warn' || line.level === 'error') {
        const type = `${line.event ?? 'no event'} ${line.error ?? ''}`.trim();
        warnings.set(type, (warnings.get(type) ?? 0) + 1);
      }
    }
    for (const wake of wakers) wake();
  });
  const count = (event: string) => counts.get(event) ?? 0;
  return {
    pid: child.pid!,
    count,
    warnings: () => warnings,
    waitFor: (event, times = 1, timeoutMs = 30_000) => new Promise((resolve, reject) => {
      const check = () => {
        if (count(event) >= times) finish(resolve);
        else if (child.exitCode !== null) finish(() => reject(new Error(`the gateway exited (${child.exitCode}) before ${times}× "${event}"`)));
      };
      const timer = setTimeout(() => finish(() => reject(new Error(`${count(event)}/${times}× "${event}" from the gateway within ${timeoutMs} ms`))), timeoutMs);
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        wakers.delete(check);
        child.off('exit', check);
        settle();
      };
      wakers.add(check);
      child.on('exit', check);
      check();
    }),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await once(child, 'exit');
      clearTimeout(killer);
    },
  };
}
