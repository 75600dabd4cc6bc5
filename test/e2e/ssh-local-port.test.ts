/**
 * `--local-port` with the real OpenSSH clients: ssh runs a command, scp copies a file both ways
 * (SFTP mode and legacy `scp -O`) with SHA-256 checked, sftp lists/puts/gets with the events
 * recorded — through the CLI's local forwarder and the gateway bridge to a real sshd. The
 * gateway's host key comes from the known_hosts file the CLI writes, with strict checking on.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { formatPublicKeyLine } from '@postern/shared/ssh/keys';
import { serveLocalPort } from '../../desktop/src/cli/commands/ssh.ts';
import type { CliContext } from '../../desktop/src/cli/context.ts';
import { readGatewayHostKey, writeKnownHost } from '../../desktop/src/core/ssh/known-hosts.ts';
import { serveLocalSshPort, type LocalForwarder } from '../../desktop/src/core/ssh/local-forwarder.ts';
import { duplexPair } from '../fixtures/duplex-pair.ts';
import { GATEWAY_HOST_KEY, serveBridge, startTargetFixture, type BridgeRun, type TargetFixture } from '../fixtures/ssh-bridge.ts';
import { scratchDir, type ScratchDir } from '../fixtures/ssh-keygen.ts';

let fixture: TargetFixture;
let forwarder: LocalForwarder;
let dir: ScratchDir;
let knownHosts: string;
const runs: BridgeRun[] = [];

beforeAll(async () => {
  fixture = await startTargetFixture();
  dir = scratchDir();
  forwarder = await serveLocalSshPort({
    port: 0,
    dial: async () => {
      const [clientSide, gatewaySide] = duplexPair();
      runs.push(serveBridge(gatewaySide, fixture, { credential: fixture.credentials.certificate }));
      return clientSide;
    },
  });
  const [clientSide, gatewaySide] = duplexPair();
  const probe = serveBridge(gatewaySide, fixture);
  const hostKey = await readGatewayHostKey(clientSide);
  expect(await probe.ended).toBe('closed');
  expect(probe.logs.filter((line) => /target|channel/.test(line.message ?? ''))).toEqual([]);
  expect(hostKey).toBe(formatPublicKeyLine(GATEWAY_HOST_KEY.publicKey));
  knownHosts = await writeKnownHost(join(dir.path, 'known_hosts'), forwarder.host, forwarder.port, hostKey);
});

afterAll(async () => {
  await forwarder?.close();
  await fixture?.sshd.close();
  dir?.remove();
});

function openSshOptions(): string[] {
  return ['-F', '/dev/null', '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'StrictHostKeyChecking=yes'];
}

function run(command: string, args: string[], timeoutMs = 30_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs, encoding: 'utf8' }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

it('the user\'s own ssh runs a command through the gateway with the host key known, exit status passed through', async () => {
  const result = await run('ssh', ['-p', String(forwarder.port), ...openSshOptions(), `anything@${forwarder.host}`, 'whoami; exit 7']);
  expect(result.stderr).not.toMatch(/WARNING|Permanently added|authenticity/);
  expect(result).toMatchObject({ code: 7, stdout: `${fixture.sshd.user}\n` });
});

it.each([['sftp mode', []], ['legacy scp -O', ['-O']]] as const)('scp copies a file both ways with its hash intact (%s)', async (_name, extra) => {
  const local = dir.write(`up-${extra.length}.bin`, '');
  writeFileSync(local, randomBytes(3 * 1024 * 1024 + 17));
  const remote = `/tmp/postern-scp-${process.pid}-${extra.length}.bin`;
  const back = join(dir.path, `down-${extra.length}.bin`);
  const target = `postern@${forwarder.host}`;
  const up = await run('scp', [...extra, '-P', String(forwarder.port), ...openSshOptions(), local, `${target}:${remote}`]);
  expect(up).toMatchObject({ code: 0 });
  const down = await run('scp', [...extra, '-P', String(forwarder.port), ...openSshOptions(), `${target}:${remote}`, back]);
  expect(down).toMatchObject({ code: 0 });
  expect(sha256(back)).toBe(sha256(local));
  const remoteHash = await run('ssh', ['-p', String(forwarder.port), ...openSshOptions(), target, `sha256sum ${remote} && rm ${remote}`]);
  expect(remoteHash.stdout.split(' ')[0]).toBe(sha256(local));
});

it('sftp lists, puts and gets, and every operation is recorded', async () => {
  const local = dir.write('sftp-up.txt', 'hello through postern\n');
  const back = join(dir.path, 'sftp-down.txt');
  const remoteDir = `/tmp/postern-sftp-cli-${process.pid}`;
  const batch = dir.write('batch', [`mkdir ${remoteDir}`, `put ${local} ${remoteDir}/f.txt`, `ls -l ${remoteDir}`, `get ${remoteDir}/f.txt ${back}`, `rm ${remoteDir}/f.txt`, `rmdir ${remoteDir}`].join('\n'));
  const before = runs.length;
  const result = await run('sftp', ['-P', String(forwarder.port), ...openSshOptions(), '-b', batch, `postern@${forwarder.host}`]);
  expect(result.code).toBe(0);
  expect(result.stdout).toContain('f.txt');
  expect(readFileSync(back, 'utf8')).toBe('hello through postern\n');
  const sftpRun = runs[before]!;
  await sftpRun.ended;
  const ops = sftpRun.recorder.events.filter((event) => event.type === 'ssh.sftp').map(({ op, path, bytes }) => ({ op, path, ...(bytes === undefined ? {} : { bytes }) }));
  expect(ops).toEqual(expect.arrayContaining([
    { op: 'mkdir', path: remoteDir },
    { op: 'write', path: `${remoteDir}/f.txt`, bytes: 22 },
    { op: 'opendir', path: `${remoteDir}/` },
    { op: 'read', path: `${remoteDir}/f.txt`, bytes: 22 },
    { op: 'remove', path: `${remoteDir}/f.txt` },
    { op: 'rmdir', path: remoteDir },
  ]));
});

it('the CLI prints ssh/scp/sftp commands that work as printed, and stops serving at expiry with the message', async () => {
  const error = new PassThrough();
  let printed = '';
  error.on('data', (chunk: Buffer) => { printed += chunk.toString(); });
  const context = { env: { XDG_CONFIG_HOME: dir.path }, terminal: { input: new PassThrough(), output: new PassThrough(), error } } as unknown as CliContext;
  const expiresAt = new Date(Date.now() + 6_000);
  const dial = async () => {
    const [clientSide, gatewaySide] = duplexPair();
    serveBridge(gatewaySide, fixture, { credential: fixture.credentials.key, expiresAt });
    return clientSide;
  };
  const serving = serveLocalPort(context, { sessionId: 's-cli', resourceName: 'web', accountName: 'ops', expiresAt, dial }, 0);
  const deadline = Date.now() + 5_000;
  while (!printed.includes('Press Ctrl-C')) {
    if (Date.now() > deadline) throw new Error(`no instructions printed: ${printed}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const sshLine = /^ {2}(ssh -p .*)$/m.exec(printed)![1]!;
  expect(sshLine).toContain(`UserKnownHostsFile=${join(dir.path, 'postern', 'ssh_known_hosts')}`);
  const result = await run('sh', ['-c', `${sshLine} -o BatchMode=yes -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes 'echo printed-command-works'`]);
  expect(result).toMatchObject({ code: 0, stdout: 'printed-command-works\n' });
  await serving;
  expect(printed).toContain(`Postern: session expired at ${expiresAt.toISOString()}. Run the same command again for a new session.`);
  const port = /Listening on 127\.0\.0\.1:(\d+)/.exec(printed)![1]!;
  const after = await run('ssh', ['-p', port, ...openSshOptions(), 'me@127.0.0.1', 'true'], 10_000);
  expect(after.code).not.toBe(0);
}, 20_000);
