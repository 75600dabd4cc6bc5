/**
 * The real OpenSSH clients as benchmark baselines: `ssh -L` forwards (the bastion a user would
 * otherwise run) and timed runs of ssh/scp.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { freeLoopbackPort } from '../../test/fixtures/sshd.ts';

/** Options every baseline client uses: no config file, no prompts, host keys not checked (loopback, throwaway). */
export function clientOptions(keyFile?: string, knownHosts?: string): string[] {
  return [
    '-F', '/dev/null', '-o', 'BatchMode=yes', '-o', 'LogLevel=ERROR',
    ...(knownHosts ? ['-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'StrictHostKeyChecking=yes'] : ['-o', 'UserKnownHostsFile=/dev/null', '-o', 'StrictHostKeyChecking=no']),
    '-o', 'GlobalKnownHostsFile=/dev/null',
    ...(keyFile ? ['-i', keyFile, '-o', 'IdentitiesOnly=yes'] : []),
  ];
}

/** `ssh -N -L` through the sshd at `sshdPort` to `target`; resolves once the forward accepts connections. */
export async function startOpenSshForward(keyFile: string, user: string, sshdPort: number, target: { host: string; port: number }): Promise<{ port: number; stop(): void }> {
  const port = await freeLoopbackPort();
  const child: ChildProcess = spawn('ssh', [
    ...clientOptions(keyFile), '-N', '-o', 'ExitOnForwardFailure=yes', '-p', String(sshdPort),
    '-L', `127.0.0.1:${port}:${target.host}:${target.port}`, `${user}@127.0.0.1`,
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const deadline = Date.now() + 15_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => { socket.destroy(); resolve(true); }).on('error', () => resolve(false));
    });
    if (ok) break;
    if (child.exitCode !== null || Date.now() > deadline) { child.kill(); throw new Error(`ssh -L did not come up: ${stderr}`); }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { port, stop: () => child.kill() };
}

/** Runs a command to completion; rejects with its stderr on a non-zero exit. Returns wall milliseconds. */
export function timedRun(command: string, args: string[], timeoutMs = 300_000): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: timeoutMs, maxBuffer: 1 << 20 }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} failed: ${stderr || error.message}`));
      else resolve(performance.now() - started);
    });
  });
}
