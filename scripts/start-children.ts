/**
 * Child processes of the `npm start` launcher: spawn a TypeScript entry under tsx with its output
 * to a log file (and, for the server, to the terminal too), wait for a line with a bounded
 * timeout, and stop with SIGTERM, then SIGKILL after a grace period.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { SESSION_PATH_NODE_FLAGS } from '../shared/src/runtime/node-flags.ts';

export interface Child {
  name: string;
  process: ChildProcess;
  output(): string;
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  stop(graceMs?: number): Promise<void>;
}

export function spawnChild(name: string, entry: string, args: string[], env: NodeJS.ProcessEnv, options: { logFile: string; echo: boolean; cwd: string }): Child {
  const child = spawn(process.execPath, [...SESSION_PATH_NODE_FLAGS, '--import', 'tsx', entry, ...args], { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(options.logFile, { flags: 'a', mode: 0o600 });
  let text = '';
  const waiters = new Set<() => void>();
  const feed = (chunk: Buffer) => {
    text += chunk.toString('utf8');
    if (text.length > 1_000_000) text = text.slice(-500_000);
    log.write(chunk);
    if (options.echo) process.stdout.write(chunk);
    for (const wake of waiters) wake();
  };
  child.stdout!.on('data', feed);
  child.stderr!.on('data', feed);
  child.once('exit', () => {
    log.end();
    for (const wake of waiters) wake();
  });
  return {
    name, process: child, output: () => text,
    waitFor: (pattern, timeoutMs) => new Promise((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(text);
        if (match) return done(() => resolve(match));
        if (child.exitCode !== null || child.signalCode !== null) {
          return done(() => reject(new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before it was ready; see ${options.logFile}`)));
        }
        return undefined;
      };
      const timer = setTimeout(() => done(() => reject(new Error(`${name} was not ready within ${timeoutMs} ms; see ${options.logFile}`))), timeoutMs);
      const done = (settle: () => void) => {
        clearTimeout(timer);
        waiters.delete(check);
        settle();
      };
      waiters.add(check);
      check();
    }),
    stop: async (graceMs = 6_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
