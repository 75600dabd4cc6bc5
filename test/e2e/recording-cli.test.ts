/**
 * `postern pam sessions list|show|play|export` against a real server over loopback HTTP, with
 * sessions recorded through the gateway's spool: a reviewer lists, inspects, replays and exports
 * (the export plays in the real asciinema when installed); a member sees only their own metadata
 * and ends their own session.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAsciicast } from '../../shared/src/recording/asciicast.ts';
import { RecordingSpool } from '../../gateway/src/recording/recording-spool.ts';
import { silentLogger } from '../../gateway/src/logger.ts';
import { CredentialsStore } from '../../desktop/src/core/credentials-store.ts';
import { DesktopSession } from '../../desktop/src/core/session.ts';
import { runCli } from '../../desktop/src/cli/program.ts';
import { startRecordingServer, type RecordingServer } from './recording-harness.ts';

const hasAsciinema = (() => { try { execFileSync('asciinema', ['--version'], { stdio: 'ignore' }); return true; } catch { return false; } })();
let rs: RecordingServer;
let tmp: string;
let sshSession: string;
let k8sSession: string;

async function postern(configDir: string, args: string[], env: Record<string, string> = {}) {
  const output = new PassThrough();
  const error = new PassThrough();
  let out = '';
  let err = '';
  output.on('data', (chunk) => { out += chunk; });
  error.on('data', (chunk) => { err += chunk; });
  const session = new DesktopSession({ store: new CredentialsStore(configDir), timeoutMs: 10_000 });
  const code = await runCli({ session, env, terminal: { input: new PassThrough(), output, error } }, args);
  return { code, out, err };
}

async function signedIn(name: string, user: { email: string; password: string }): Promise<string> {
  const dir = join(tmp, name);
  const login = await postern(dir, ['login', '--domain', rs.url, '--email', user.email], { POSTERN_PASSWORD: user.password });
  expect(login.code, login.err).toBe(0);
  return dir;
}

beforeAll(async () => {
  rs = await startRecordingServer();
  tmp = mkdtempSync(join(tmpdir(), 'postern-rec-cli-'));
  const spool = new RecordingSpool({ dir: join(tmp, 'spool'), server: { serverUrl: rs.url, token: () => rs.gatewayToken }, log: silentLogger });
  const ssh = await rs.openSession('ssh');
  const shell = spool.recorderFor(ssh).openTerminal({ cols: 90, rows: 20, term: 'xterm' });
  shell.output(Buffer.from('$ '));
  await new Promise((resolve) => setTimeout(resolve, 300));
  shell.input(Buffer.from('hostname\r'));
  shell.output(Buffer.from('hostname\r\nweb-1.internal\r\n$ '));
  shell.close(0);
  spool.recorderFor(ssh).event({ type: 'ssh.exec', command: 'uname -a', exitCode: 0 });
  const k8s = await rs.openSession('kubernetes');
  spool.recorderFor(k8s).event({ type: 'k8s.request', verb: 'list', method: 'GET', path: '/api/v1/namespaces/prod/pods', namespace: 'prod', resource: 'pods', status: 200, durationMs: 4, kubectlSession: 'k1', inferredCommand: 'kubectl get pods -n prod' });
  await Promise.all([spool.endSession(ssh.sessionId), spool.endSession(k8s.sessionId)]);
  await spool.uploadNow();
  await spool.close();
  [sshSession, k8sSession] = [ssh.sessionId, k8s.sessionId];
}, 60_000);
afterAll(async () => {
  await rs?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('postern pam sessions', () => {
  it('list: a table of who, what, when, bytes and exit code; filters by type', async () => {
    const auditor = await signedIn('auditor', rs.world.users.auditor);
    const listed = await postern(auditor, ['pam', 'sessions', 'list', '--org-id', rs.world.a.org.id]);
    expect(listed.code, listed.err).toBe(0);
    const [header, ...rows] = listed.out.trim().split('\n');
    expect(header).toMatch(/^ID\s+STARTED\s+USER\s+RESOURCE\s+ACCOUNT\s+STATUS\s+LENGTH\s+BYTES\s+EXIT$/);
    const sshRow = rows.find((row) => row.startsWith(sshSession))!;
    expect(sshRow).toContain(rs.world.users.member.email);
    expect(sshRow).toMatch(/\(ssh\)\s+root\s+active\s+-\s+39\s+0$/);
    const typed = await postern(auditor, ['pam', 'sessions', 'list', '--org-id', rs.world.a.org.id, '--type', 'kubernetes', '--json']);
    expect(JSON.parse(typed.out).sessions.map((s: any) => s.sessionId)).toEqual([k8sSession]);
    const bad = await postern(auditor, ['pam', 'sessions', 'list', '--org-id', rs.world.a.org.id, '--since', 'last tuesday']);
    expect(bad).toMatchObject({ code: 1, err: expect.stringContaining('--since must be a time') });
  });

  it('list pages with the cursor it prints: every session once, the last page says nothing more', async () => {
    const auditor = await signedIn('auditor-pages', rs.world.users.auditor);
    const everything = JSON.parse((await postern(auditor, ['pam', 'sessions', 'list', '--org-id', rs.world.a.org.id, '--json'])).out).sessions.map((s: any) => s.sessionId);
    expect(everything.length).toBeGreaterThanOrEqual(2);
    const seen: string[] = [];
    let after: string[] = [];
    for (let page = 0; page <= everything.length; page++) {
      const listed = await postern(auditor, ['pam', 'sessions', 'list', '--org-id', rs.world.a.org.id, '--limit', '1', ...after]);
      expect(listed.code, listed.err).toBe(0);
      // A full last page still prints a cursor (the server cannot know nothing follows); the page after it is empty.
      if (listed.out.trim() === 'No sessions match.') break;
      seen.push(listed.out.trim().split('\n')[1]!.split(/\s+/)[0]!);
      const more = /More: add (--after \S+)/.exec(listed.out);
      if (!more) break;
      after = more[1]!.split(' ');
    }
    expect(seen).toEqual(everything);
    const bad = await postern(auditor, ['pam', 'sessions', 'list', '--org-id', rs.world.a.org.id, '--after', 'yesterday']);
    expect(bad).toMatchObject({ code: 1, err: expect.stringContaining('--after takes the cursor') });
  });

  it('show: metadata, the terminal index and events for a reviewer; the Kubernetes command timeline', async () => {
    const auditor = await signedIn('auditor2', rs.world.users.auditor);
    const shown = await postern(auditor, ['pam', 'sessions', 'show', sshSession]);
    expect(shown.code, shown.err).toBe(0);
    expect(shown.out).toContain(`Session:   ${sshSession}`);
    expect(shown.out).toMatch(/Recording: 1 terminal\(s\), 39 bytes, 1 event\(s\), exit 0\n/);
    expect(shown.out).toMatch(/^1\s+\(shell\)\s+90x20/m);
    expect(shown.out).toContain('exec uname -a → exit 0');
    const k8s = await postern(auditor, ['pam', 'sessions', 'show', k8sSession]);
    expect(k8s.out).toMatch(/kubectl get pods -n prod\s+1\s+0/);
  });

  it('export: asciicast v2 that asciinema plays; --events as JSON lines; -o writes a file', async () => {
    const admin = await signedIn('admin', rs.world.users.admin);
    const exported = await postern(admin, ['pam', 'sessions', 'export', sshSession]);
    expect(exported.code, exported.err).toBe(0);
    const cast = parseAsciicast(exported.out);
    expect(cast.header).toMatchObject({ version: 2, width: 90, height: 20 });
    expect(cast.events.map((e) => e[1])).toEqual(['o', 'i', 'o']);
    const file = join(tmp, 'x.cast');
    expect((await postern(admin, ['pam', 'sessions', 'export', sshSession, '-o', file])).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(exported.out);
    if (hasAsciinema) {
      const printed = execFileSync('script', ['-qec', `asciinema cat ${file}`, '/dev/null'], { encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: tmp } });
      expect(printed).toContain('web-1.internal');
    }
    const events = await postern(admin, ['pam', 'sessions', 'export', k8sSession, '--events']);
    expect(events.out.trim().split('\n').map((line) => JSON.parse(line))).toEqual([expect.objectContaining({ type: 'k8s.request', inferredCommand: 'kubectl get pods -n prod' })]);
  });

  it('play: replays the output with the recorded timing, faster with --speed', async () => {
    const admin = await signedIn('admin2', rs.world.users.admin);
    let started = Date.now();
    const played = await postern(admin, ['pam', 'sessions', 'play', sshSession]);
    const normal = Date.now() - started;
    expect(played.code, played.err).toBe(0);
    expect(played.out).toBe('$ hostname\r\nweb-1.internal\r\n$ ');
    expect(played.err).toContain('end of session');
    expect(normal).toBeGreaterThanOrEqual(250);
    started = Date.now();
    await postern(admin, ['pam', 'sessions', 'play', sshSession, '--speed', '10']);
    expect(Date.now() - started).toBeLessThan(normal);
    const unknown = await postern(admin, ['pam', 'sessions', 'play', sshSession, '--terminal', '7']);
    expect(unknown).toMatchObject({ code: 1, err: expect.stringContaining('No terminal') });
  });

  it('end: the member ends their own session; again says it is already over; an admin gets no such session', async () => {
    const fresh = (await rs.openSession('ssh')).sessionId;
    const admin = await signedIn('admin-end', rs.world.users.admin);
    const byAdmin = await postern(admin, ['pam', 'sessions', 'end', fresh]);
    expect(byAdmin).toMatchObject({ code: 1, out: '' });
    expect(byAdmin.err).toMatch(/^Error: No session with id or name/);
    const member = await signedIn('member-end', rs.world.users.member);
    const ended = await postern(member, ['pam', 'sessions', 'end', fresh]);
    expect(ended).toMatchObject({ code: 0, out: `Session ${fresh} ended; its gateway closes its connections and completes the recording.\n` });
    expect(JSON.parse((await postern(member, ['pam', 'sessions', 'show', fresh, '--json'])).out)).toMatchObject({ status: 'ended' });
    const again = await postern(member, ['pam', 'sessions', 'end', fresh]);
    expect(again).toMatchObject({ code: 0, out: `Session ${fresh} was already ended; nothing to end.\n` });
    const help = await postern(member, ['pam', 'sessions', '--help']);
    expect(help.out).toMatch(/end <id>\s+End your own session now/);
  });

  it('a member sees only their own sessions, without content', async () => {
    const member = await signedIn('member', rs.world.users.member);
    const shown = await postern(member, ['pam', 'sessions', 'show', sshSession]);
    expect(shown.code).toBe(0);
    expect(shown.out).toContain('Playback: needs the project role admin or auditor.');
    expect(shown.out).not.toContain('uname');
    const played = await postern(member, ['pam', 'sessions', 'play', sshSession]);
    expect(played).toMatchObject({ code: 1, out: '' });
    expect(played.err).toContain('admin or auditor');
    const outsider = await signedIn('outsider', rs.world.users.outsider);
    const listed = await postern(outsider, ['pam', 'sessions', 'list', '--org-id', rs.world.a.org.id]);
    expect(listed.out.trim()).toBe('No sessions match.');
  });
});
