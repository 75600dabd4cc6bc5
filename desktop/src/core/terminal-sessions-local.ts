/**
 * A shell on this machine in a real PTY (node-pty), for the Kubernetes tab: the user's own shell
 * with KUBECONFIG pointing at the session's kubeconfig, so kubectl, helm and k9s just work.
 */
import { createRequire } from 'node:module';
import type { IPty } from 'node-pty';

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

// node-pty is a native CommonJS addon: loaded with require so bundlers leave it external.
const require = createRequire(import.meta.url);

export function spawnLocalShell(
  options: LocalShellOptions,
  size: { cols: number; rows: number },
  events: { data(data: string): void; exit(code: number | null): void },
): LocalShell {
  const pty = require('node-pty') as typeof import('node-pty');
  const child: IPty = pty.spawn(options.shell, options.args ?? [], {
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
