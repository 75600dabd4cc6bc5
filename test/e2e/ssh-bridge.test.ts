/**
 * The gateway SSH bridge against a real OpenSSH sshd, driven by an ssh2 client over an in-memory
 * duplex pair: the three credential types, exec with exit status, a PTY shell with resize, SFTP
 * with its events, host key pinning, forwarding policy, expiry and admin termination.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client as Ssh2Client, ClientChannel } from 'ssh2';
import { formatPublicKeyLine, generateEd25519KeyPair } from '@postern/shared/ssh/keys';
import { connectGatewaySsh } from '../../desktop/src/core/ssh/gateway-ssh-client.ts';
import { duplexPair } from '../fixtures/duplex-pair.ts';
import { collect, exec, serveBridge, startTargetFixture, type BridgeRun, type ExecResult, type TargetFixture } from '../fixtures/ssh-bridge.ts';
import type { SshSessionContext } from '../../gateway/src/ssh/context.ts';

let fixture: TargetFixture;
beforeAll(async () => { fixture = await startTargetFixture(); });
afterAll(async () => { await fixture?.sshd.close(); });

async function openBridge(overrides: Partial<SshSessionContext> = {}): Promise<{ client: Ssh2Client; run: BridgeRun }> {
  const [clientSide, gatewaySide] = duplexPair();
  const run = serveBridge(gatewaySide, fixture, overrides);
  const { client } = await connectGatewaySsh(clientSide);
  return { client, run };
}

function shell(client: Ssh2Client, size = { rows: 30, cols: 100 }): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    client.shell({ ...size, term: 'xterm-256color' }, (error, channel) => (error ? reject(error) : resolve(channel)));
  });
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.each(['password', 'key', 'certificate'] as const)('%s account', (type) => {
  it('runs a command on the target as the account and passes its exit status back', async () => {
    const { client, run } = await openBridge({ credential: fixture.credentials[type] });
    const result = await exec(client, 'whoami; echo to-stderr >&2; exit 3');
    client.end();
    expect(result).toMatchObject({ stdout: `${fixture.sshd.user}\n`, stderr: 'to-stderr\n', code: 3 });
    expect(await run.ended).toBe('closed');
    expect(run.recorder.events).toContainEqual({ type: 'ssh.exec', command: 'whoami; echo to-stderr >&2; exit 3', exitCode: 3 });
    const terminal = run.recorder.terminals[0]!;
    expect(terminal.start.command).toBe('whoami; echo to-stderr >&2; exit 3');
    expect(Buffer.concat(terminal.output).toString()).toContain(fixture.sshd.user);
    expect(terminal.exitCode).toBe(3);
  });
});

it('makes a fresh key pair per session for certificate accounts', async () => {
  const before = fixture.issued.length;
  for (let i = 0; i < 2; i++) {
    const { client, run } = await openBridge({ credential: fixture.credentials.certificate });
    await exec(client, 'true');
    client.end();
    await run.ended;
  }
  const keys = fixture.issued.slice(before);
  expect(keys).toHaveLength(2);
  expect(keys[0]).toMatch(/^ssh-ed25519 /);
  expect(keys[0]).not.toBe(keys[1]);
});

it('passes a signal exit back', async () => {
  const { client, run } = await openBridge();
  const result = await exec(client, 'kill -TERM $$');
  client.end();
  await run.ended;
  expect(result.code).toBeNull();
  expect(result.signal).toBe('SIGTERM');
});

it('records a PTY shell: output, input, resize and exit code', async () => {
  const { client, run } = await openBridge();
  const channel = await shell(client);
  const done = collect(channel);
  channel.write('echo "sum=$((40+2))"; stty size\n');
  await waitFor(() => run.recorder.terminals[0] !== undefined && Buffer.concat(run.recorder.terminals[0].output).toString().includes('30 100'), 'stty size');
  channel.setWindow(40, 120, 0, 0);
  channel.write('stty size; exit 5\n');
  const result = await done;
  client.end();
  await run.ended;
  expect(result.code).toBe(5);
  expect(result.stdout).toContain('sum=42');
  expect(result.stdout).toContain('40 120');
  const terminal = run.recorder.terminals[0]!;
  expect(terminal.start).toMatchObject({ cols: 100, rows: 30, term: 'xterm-256color' });
  expect(terminal.resizes).toEqual([[120, 40]]);
  expect(Buffer.concat(terminal.input).toString()).toContain('exit 5');
  expect(Buffer.concat(terminal.output).toString()).toContain('sum=42');
  expect(terminal.exitCode).toBe(5);
});

it('applies a resize sent while the target shell is still opening (the app fits its tab right after Connect)', async () => {
  const { client, run } = await openBridge();
  const channel = await shell(client);
  // The gateway accepts the shell at once and opens the target's afterwards: this arrives in between.
  channel.setWindow(40, 120, 0, 0);
  const done = collect(channel);
  channel.write('stty size; exit 0\n');
  const result = await done;
  client.end();
  await run.ended;
  expect(result.stdout).toMatch(/^40 120\r?$/m);
  const terminal = run.recorder.terminals[0]!;
  // The recording knows the size the shell really had: opened at it, or resized to it.
  const lastSize = terminal.resizes.at(-1) ?? [terminal.start.cols, terminal.start.rows];
  expect(lastSize).toEqual([120, 40]);
});

it('passes SFTP through and records its file operations with paths and byte counts', async () => {
  const { client, run } = await openBridge();
  const sftp = await new Promise<import('ssh2').SFTPWrapper>((resolve, reject) => client.sftp((error, s) => (error ? reject(error) : resolve(s))));
  const dir = `/tmp/postern-sftp-${process.pid}-${Date.now()}`;
  const payload = Buffer.alloc(300_000, 7);
  const call = <T>(fn: (cb: (error: Error | null | undefined, value?: T) => void) => void) =>
    new Promise<T>((resolve, reject) => fn((error, value) => (error ? reject(error) : resolve(value as T))));
  await call((cb) => sftp.mkdir(dir, cb));
  await call((cb) => sftp.writeFile(`${dir}/a.bin`, payload, cb));
  const back = await call<Buffer>((cb) => sftp.readFile(`${dir}/a.bin`, cb));
  await call((cb) => sftp.rename(`${dir}/a.bin`, `${dir}/b.bin`, cb));
  const listing = await call<Array<{ filename: string }>>((cb) => sftp.readdir(dir, cb));
  await call((cb) => sftp.unlink(`${dir}/b.bin`, cb));
  await call((cb) => sftp.rmdir(dir, cb));
  await expect(call((cb) => sftp.unlink(`${dir}/missing`, cb))).rejects.toThrow();
  client.end();
  await run.ended;
  expect(back.equals(payload)).toBe(true);
  expect(listing.map((entry) => entry.filename)).toEqual(['b.bin']);
  const ops = run.recorder.events.filter((event) => event.type === 'ssh.sftp');
  expect(ops).toEqual(expect.arrayContaining([
    { type: 'ssh.sftp', op: 'mkdir', path: dir },
    { type: 'ssh.sftp', op: 'open', path: `${dir}/a.bin`, mode: 'write' },
    { type: 'ssh.sftp', op: 'write', path: `${dir}/a.bin`, bytes: payload.length },
    { type: 'ssh.sftp', op: 'read', path: `${dir}/a.bin`, bytes: payload.length },
    { type: 'ssh.sftp', op: 'rename', path: `${dir}/a.bin`, newPath: `${dir}/b.bin` },
    { type: 'ssh.sftp', op: 'opendir', path: dir },
    { type: 'ssh.sftp', op: 'remove', path: `${dir}/b.bin` },
    { type: 'ssh.sftp', op: 'rmdir', path: dir },
    { type: 'ssh.sftp', op: 'remove', path: `${dir}/missing`, error: expect.any(String) },
  ]));
});

it('refuses the session when the target host key is not the pinned one, without revealing the credential', async () => {
  const other = formatPublicKeyLine(generateEd25519KeyPair().publicKey);
  const { client, run } = await openBridge({ target: { host: fixture.sshd.host, port: fixture.sshd.port, hostKeys: [other] } });
  const result = await exec(client, 'echo should-not-run');
  client.end();
  expect(await run.ended).toBe('target-failed');
  expect(result.code).toBe(255);
  expect(result.stdout).toBe('');
  expect(result.stderr).toMatch(/host key SHA256:\S+, which is not the key pinned for this resource/);
  const everything = result.stderr + JSON.stringify(run.logs) + JSON.stringify(run.recorder.events);
  expect(everything).not.toContain(fixture.sshd.password);
});

it('tells the user when the target refuses the credential, without showing it', async () => {
  const { client, run } = await openBridge({ credential: { type: 'password', username: fixture.sshd.user, password: 'wrong-Secret-123' } });
  const result = await exec(client, 'true');
  client.end();
  await run.ended;
  expect(result.code).toBe(255);
  expect(result.stderr).toContain('the target refused the account\'s credential');
  expect(result.stderr + JSON.stringify(run.logs)).not.toContain('wrong-Secret-123');
});

describe('port forwarding', () => {
  function forward(client: Ssh2Client): Promise<string> {
    return new Promise((resolve, reject) => {
      client.forwardOut('127.0.0.1', 5000, '127.0.0.1', fixture.sshd.port, (error, channel) => {
        if (error) return reject(error);
        channel.once('data', (chunk: Buffer) => {
          channel.close();
          resolve(chunk.toString());
        });
      });
    });
  }

  it('is refused unless the session allows it', async () => {
    const { client, run } = await openBridge();
    await expect(forward(client)).rejects.toThrow();
    client.end();
    await run.ended;
  });

  it('reaches a port from the target when allowed, and is recorded', async () => {
    const { client, run } = await openBridge({ allow: { agentForwarding: false, portForwarding: true } });
    expect(await forward(client)).toMatch(/^SSH-2\.0-OpenSSH/);
    client.end();
    await run.ended;
    expect(run.recorder.events).toContainEqual({ type: 'ssh.port-forward', direction: 'local', host: '127.0.0.1', port: fixture.sshd.port });
  });
});

describe('session end', () => {
  it('closes a live shell at expiry and says so on the terminal', async () => {
    const expiresAt = new Date(Date.now() + 1_500);
    const { client, run } = await openBridge({ expiresAt });
    const channel = await shell(client);
    const done = collect(channel);
    channel.write('echo started\n');
    const result = await done;
    const closedAt = Date.now();
    client.end();
    expect(await run.ended).toBe('expired');
    expect(result.stdout).toContain(`Postern: session expired at ${expiresAt.toISOString()}`);
    expect(closedAt - expiresAt.getTime()).toBeLessThan(1_000);
  });

  it('closes within a second of an admin termination', async () => {
    const terminated = new AbortController();
    const { client, run } = await openBridge({ terminated: terminated.signal });
    const result = exec(client, 'sleep 30');
    await waitFor(() => run.logs.some((line) => line.message === 'ssh channel opened'), 'the exec channel');
    const abortedAt = Date.now();
    terminated.abort();
    const { stderr } = await result;
    expect(Date.now() - abortedAt).toBeLessThan(1_000);
    expect(stderr).toMatch(/^Postern: session terminated by an administrator at /);
    expect(await run.ended).toBe('terminated');
    client.end();
  });

  it('refuses new channels after the session has expired', async () => {
    const { client, run } = await openBridge({ expiresAt: new Date(Date.now() - 1_000) });
    const result = await exec(client, 'true').catch((error: Error) => ({ stdout: '', stderr: error.message, code: undefined }));
    expect(result.code).not.toBe(0);
    expect(await run.ended).toBe('expired');
  });
});

describe('environment and agent forwarding', () => {
  let permissive: TargetFixture;
  beforeAll(async () => { permissive = await startTargetFixture(['AcceptEnv *', 'AllowAgentForwarding yes']); });
  afterAll(async () => { await permissive?.sshd.close(); });

  it('passes only allowed variables to a target that would accept any', async () => {
    const [clientSide, gatewaySide] = duplexPair();
    const run = serveBridge(gatewaySide, permissive);
    const { client } = await connectGatewaySsh(clientSide);
    const result = await new Promise<ExecResult>((resolve, reject) => {
      client.exec('echo "$LANG|$LC_TIME|$LD_PRELOAD|$POSTERN_SMUGGLED"', { env: { LANG: 'C.UTF-8', LC_TIME: 'C', LD_PRELOAD: '/tmp/x.so', POSTERN_SMUGGLED: 'yes' } }, (error, channel) => (error ? reject(error) : resolve(collect(channel))));
    });
    client.end();
    await run.ended;
    expect(result.stdout).toBe('C.UTF-8|C||\n');
  });

  it('refuses agent forwarding even where the target allows it', async () => {
    const [clientSide, gatewaySide] = duplexPair();
    const run = serveBridge(gatewaySide, permissive, { allow: { agentForwarding: true, portForwarding: false } });
    const { client } = await connectGatewaySsh(clientSide);
    (client as unknown as { config: { allowAgentFwd: boolean } }).config.allowAgentFwd = true;
    const outcome = await new Promise<string>((resolve) => {
      client.exec('echo "sock=$SSH_AUTH_SOCK"', { agentForward: true } as never, (error, channel) => {
        if (error) return resolve(`refused: ${error.message}`);
        collect(channel).then((result) => resolve(result.stdout));
      });
    });
    client.end();
    await run.ended;
    expect(outcome).toMatch(/^refused: .*agent forwarding|^sock=\n$/);
    expect(run.logs.some((line) => line.message === 'ssh agent forwarding refused')).toBe(true);
  });
});
