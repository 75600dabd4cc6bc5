/**
 * A shell on this machine in a real PTY (node-pty), for the Kubernetes tab: the user's own shell
 * with KUBECONFIG pointing at the session's kubeconfig, so kubectl, helm and k9s just work.
 */
import { createRequire } from 'node:module';
import type { IPty } from 'node-pty';
import { LocalShellUnavailableError } from './errors.ts';

export interface LocalShellOptions {
  /** The shell program (the composition root reads it from $SHELL / %ComSpec%). */
  shell: string;
  args?: string[];
  /** The whole environment of the shell; the caller adds KUBECONFIG. */
  env: Record<string, string>;
  cwd: string;
}

export interface LocalShell {
  write(data: string): void;
  resize(size: { cols: number; rows: number }): void;
  close(): void;
}

/**
 * Loads node-pty, a native CommonJS addon, with a require made for `from` so bundlers leave it
 * external. From source that resolves the workspace's node_modules. In the packaged app `from` is
 * app.asar/out/main/main.js and it resolves app.asar/node_modules/node-pty, which Electron reads
 * from app.asar.unpacked (electron-builder.yml unpacks it). The unpacked path is deliberately not
 * required directly: node-pty finds its spawn-helper by rewriting "app.asar" to
 * "app.asar.unpacked" in its own path, which would double on a path that is already unpacked.
 */
export function loadNodePty(from: string | URL = import.meta.url): typeof import('node-pty') {
  const require = createRequire(from);
  try {
    return require('node-pty') as typeof import('node-pty');
  } catch (error) {
    throw new LocalShellUnavailableError(error instanceof Error ? error.message.split('\n')[0]! : String(error));
  }
}

export function spawnLocalShell(
  options: LocalShellOptions,
  size: { cols: number; rows: number },
  events: { data(data: string): void; exit(code: number | null): void },
): LocalShell {
  const child: IPty = loadNodePty().spawn(options.shell, options.args ?? [], {
    name: 'xterm-256color', cols: size.cols, rows: size.rows, cwd: options.cwd, env: options.env,
  });
  const dataSubscription = child.onData(events.data);
  const exitSubscription = child.onExit(({ exitCode }) => {
    dataSubscription.dispose();
    exitSubscription.dispose();
    events.exit(exitCode);
  });
  return {
    write: (data) => child.write(data),
    resize: ({ cols, rows }) => child.resize(cols, rows),
    close: () => child.kill(),
  };
}

/**
 * The user's login shell and environment, from the environment the composition root read once.
 * KUBECONFIG is dropped: each Kubernetes tab sets its own.
 */
export function localShellFrom(env: Record<string, string | undefined>, platform: NodeJS.Platform, homeDir: string): LocalShellOptions {
  const clean: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined && key !== 'KUBECONFIG') clean[key] = value;
  clean.TERM = 'xterm-256color';
  const shell = platform === 'win32' ? env.ComSpec ?? 'cmd.exe' : env.SHELL ?? '/bin/sh';
  return { shell, env: clean, cwd: homeDir };
}
