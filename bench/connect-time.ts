/**
 * Connect time: from spawning `postern pam ssh access <resource> --account <account>` in a
 * terminal (a real pty) to the first byte of the remote shell's prompt, through a real server,
 * relay, gateway and OpenSSH sshd with a per-session certificate login. Baselines measured in
 * the same run, interleaved round by round so load from other processes hits all alike: the
 * real `ssh` straight to the same sshd to its prompt, and `node -e 0`. The CLI runs both as the
 * bundle (what `postern` runs after npm install) and from source through tsx (what it ran
 * before); POSTERN_TIMINGS=1 gives each run's step breakdown.
 *
 *   node --import tsx bench/connect-time.ts [rounds=15]
 *
 * POSTERN_BENCH_BEFORE_BIN=/path/to/desktop/bin/postern.js adds an older checkout's command to
 * each round (e.g. `git archive <commit> desktop package.json | tar -x -C /tmp/before` with
 * node_modules linked), to measure a change against what it replaced in the same run.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type * as NodePty from 'node-pty';
import { parseTimingsSummary } from '../desktop/src/cli/timings.ts';
import { POSTERN_BIN, REPO_ROOT, startConnectDeployment } from './lib/connect-deployment.ts';
import { report } from './lib/report.ts';
import { median, percentile } from './lib/stats.ts';

const rounds = Number(process.argv[2] ?? 15);
const beforeBin = process.env.POSTERN_BENCH_BEFORE_BIN;
const TARGET_MS = 300;
/** bash's prompt for the test user starts with the xterm title "\e]0;postern-test@host: ~\a". */
const PROMPT = /postern-test@/;
const RUN_LIMIT_MS = 30_000;
// node-pty is a dependency of the desktop package; resolve it from there.
const pty = createRequire(join(REPO_ROOT, 'desktop', 'package.json'))('node-pty') as typeof NodePty;

interface PromptRun { ms: number; output: string }

/** Spawns `file args` in a pty, waits for the prompt, types `exit`, and waits for the end (bounded). */
function timeToPrompt(file: string, args: string[], env: Record<string, string>): Promise<PromptRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = pty.spawn(file, args, { name: 'xterm-256color', cols: 120, rows: 40, cwd: REPO_ROOT, env });
    let output = '';
    let promptMs: number | undefined;
    const limit = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${file} ${args.join(' ')}: no prompt and exit within ${RUN_LIMIT_MS} ms; output:\n${output.slice(-2000)}`));
    }, RUN_LIMIT_MS);
    child.onData((data) => {
      output += data;
      if (promptMs === undefined && PROMPT.test(output)) {
        promptMs = performance.now() - started;
        child.write('exit\r');
      }
    });
    child.onExit(({ exitCode }) => {
      clearTimeout(limit);
      // The pty may hand over its last bytes (the timings line) just after the exit.
      setTimeout(() => {
        if (promptMs === undefined || exitCode !== 0) reject(new Error(`${file} exited ${exitCode} (prompt ${promptMs ?? 'never seen'}):\n${output.slice(-2000)}`));
        else resolve({ ms: promptMs, output });
      }, 100);
    });
  });
}

/** With the CLI's environment: NODE_EXTRA_CA_CERTS, for one, would make Node load CA files at start. */
function nodeStartMs(env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore', env });
    child.once('error', reject);
    child.once('exit', () => resolve(performance.now() - started));
  });
}

const STEPS = ['modules', 'command', 'resource', 'session', 'relay', 'gateway', 'ssh', 'shell', 'output'] as const;
const STEP_LABELS: Record<(typeof STEPS)[number], string> = {
  modules: 'Node start + code loaded', command: 'parse args, read sign-in', resource: 'key pair + CSR (no lookup: by name)',
  session: 'create session (finds resource + account)', relay: 'TCP + TLS 1.3 to relay', gateway: 'inner mTLS to gateway + admission',
  ssh: 'SSH handshake to gateway bridge', shell: 'shell channel open on the bridge', output: 'target shell start → first output (sshd login began at admission)',
};

/** Per-step increments (ms) from one run's cumulative marks; the last row is first output → prompt seen. */
function increments(runs: PromptRun[]): Array<{ label: string; values: number[] }> {
  const parsed = runs.map((run) => ({ run, steps: parseTimingsSummary(run.output)?.steps ?? {} }));
  const rows = STEPS.map((step, index) => ({
    label: STEP_LABELS[step],
    values: parsed.map(({ steps }) => (steps[step] ?? NaN) - (index === 0 ? 0 : steps[STEPS[index - 1]!] ?? NaN)).filter(Number.isFinite),
  }));
  rows.push({ label: 'output → prompt seen by the pty', values: parsed.map(({ run, steps }) => run.ms - (steps.output ?? NaN)).filter(Number.isFinite) });
  return rows;
}

const fmt = (ms: number) => `${ms.toFixed(0).padStart(5)} ms`;

console.log(`connect-time: ${rounds} rounds, load average at start ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
execFileSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'desktop', 'scripts', 'build-cli.ts')], { stdio: 'inherit' });
const deployment = await startConnectDeployment();
const samples = { ssh: [] as number[], node: [] as number[], bundle: [] as PromptRun[], source: [] as PromptRun[], before: [] as number[] };
try {
  const cli = (fromSource: boolean) => timeToPrompt(process.execPath, [POSTERN_BIN, ...deployment.accessArgs], {
    ...deployment.cliEnv, POSTERN_TIMINGS: '1', ...(fromSource ? { POSTERN_CLI_FROM_SOURCE: '1' } : {}),
  });
  // One unmeasured round: first-run costs (tsx's transform cache, sshd's first fork, the server's first session).
  await cli(false);
  await cli(true);
  await timeToPrompt('ssh', deployment.directSshArgs, deployment.cliEnv);
  for (let round = 0; round < rounds; round++) {
    samples.ssh.push((await timeToPrompt('ssh', deployment.directSshArgs, deployment.cliEnv)).ms);
    samples.node.push(await nodeStartMs(deployment.cliEnv));
    samples.bundle.push(await cli(false));
    samples.source.push(await cli(true));
    if (beforeBin) samples.before.push((await timeToPrompt(process.execPath, [beforeBin, ...deployment.accessArgs], deployment.cliEnv)).ms);
  }
} finally {
  await deployment.close();
}

const origin = parseTimingsSummary(samples.bundle[0]!.output)?.origin;
if (origin !== 'bundle') throw new Error(`the bundled runs ran from ${origin ?? 'unknown'}: the bundle was not used`);
const ms = (runs: PromptRun[]) => runs.map((run) => run.ms);
const sshMedian = median(samples.ssh);
console.log(`\nspawn → first prompt byte, median / p99 over ${rounds} runs (load average now ${loadavg()[0]!.toFixed(2)}):`);
const rows: Array<[string, number[]]> = [['ssh (direct to sshd, key)', samples.ssh], ['postern (bundle)', ms(samples.bundle)], ['postern (source, tsx)', ms(samples.source)], ['node -e 0 (to exit)', samples.node]];
if (samples.before.length) rows.push([`before: ${beforeBin}`, samples.before]);
for (const [name, values] of rows) {
  console.log(`  ${name.padEnd(30)} ${fmt(median(values))} / ${fmt(percentile(values, 0.99))}   ${(median(values) / sshMedian).toFixed(2)}× ssh`);
}
console.log(`\nlast bundle run: ${/Postern timings[^\r\n]*/.exec(samples.bundle.at(-1)!.output)?.[0] ?? '(no timings line)'}`);
console.log('\nwhere the time goes, median per step (POSTERN_TIMINGS=1):');
console.log(`  ${'step'.padEnd(40)} ${'bundle'.padStart(8)} ${'source'.padStart(8)}`);
const bundleSteps = increments(samples.bundle);
const sourceSteps = increments(samples.source);
bundleSteps.forEach((row, index) => {
  const source = sourceSteps[index]!.values;
  console.log(`  ${row.label.padEnd(40)} ${fmt(row.values.length ? median(row.values) : NaN)} ${fmt(source.length ? median(source) : NaN)}`);
});

const cpuOf = (runs: PromptRun[]) => runs.map((run) => parseTimingsSummary(run.output)?.steps.cpu ?? NaN).filter(Number.isFinite);
const [bundleCpu, sourceCpu] = [cpuOf(samples.bundle), cpuOf(samples.source)];
console.log(`  ${'CPU time of the postern process'.padEnd(40)} ${fmt(median(bundleCpu))} ${fmt(median(sourceCpu))}   (less moved by other load than wall time)`);

const bundleMs = ms(samples.bundle);
report({ measure: 'Connect time, spawn → shell prompt (median): postern vs ssh', unit: 'ms', value: median(bundleMs),
  baseline: { name: 'ssh direct', value: sshMedian }, better: 'lower', target: `≤ ${TARGET_MS} ms`, met: median(bundleMs) <= TARGET_MS });
report({ measure: 'Connect time, spawn → shell prompt (p99): postern vs ssh', unit: 'ms', value: percentile(bundleMs, 0.99),
  baseline: { name: 'ssh direct p99', value: percentile(samples.ssh, 0.99) }, better: 'lower' });
report({ measure: 'Connect time (median): postern bundle vs from source (tsx, before)', unit: 'ms', value: median(bundleMs),
  baseline: { name: 'postern via tsx', value: median(ms(samples.source)) }, better: 'lower', target: 'faster than tsx', met: median(bundleMs) < median(ms(samples.source)) });
report({ measure: 'CLI CPU time per connect (user+sys): bundle vs from source (tsx, before)', unit: 'ms', value: median(bundleCpu),
  baseline: { name: 'postern via tsx', value: median(sourceCpu) }, better: 'lower' });
if (samples.before.length) {
  report({ measure: 'Connect time (median): postern now vs the older checkout', unit: 'ms', value: median(bundleMs),
    baseline: { name: 'postern before', value: median(samples.before) }, better: 'lower', target: 'faster than before', met: median(bundleMs) < median(samples.before) });
}
const loaded = bundleSteps[0]!.values;
report({ measure: 'CLI start: process start → code loaded (bundle) vs node -e 0', unit: 'ms', value: median(loaded),
  baseline: { name: 'node -e 0', value: median(samples.node) }, better: 'lower' });
