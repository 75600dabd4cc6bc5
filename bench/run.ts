/**
 * `npm run bench`: runs every benchmark in bench/ one after another (never in parallel: they
 * measure the same two cores), each printing its own detail and ratios against the baseline it
 * measured in the same run, then prints one table of every figure. `npm run bench -- transport
 * ssh-scp` runs only those. The table also goes to bench/results/latest.md.
 */
import { spawn } from 'node:child_process';
import { SESSION_PATH_NODE_FLAGS } from '../shared/src/runtime/node-flags.ts';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseResultLine, type BenchResult } from './lib/report.ts';
import { renderTable } from './lib/table.ts';

const benchDir = dirname(fileURLToPath(import.meta.url));
const all = readdirSync(benchDir)
  .filter((file) => file.endsWith('.ts') && file !== 'run.ts' && !file.endsWith('.test.ts'))
  .map((file) => file.slice(0, -3))
  .sort();
const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !all.includes(name));
if (unknown.length) {
  console.error(`Unknown benchmark(s): ${unknown.join(', ')}. Available: ${all.join(', ')}`);
  process.exit(2);
}

/** These run the gateway's code in their own process, so they get the flags a gateway process starts with. */
const GATEWAY_IN_PROCESS = new Set(['recording-overhead', 'ssh-scp']);

/** Runs one benchmark, echoing its output and collecting its result lines. */
async function runOne(name: string): Promise<{ status: number | null; results: BenchResult[] }> {
  const flags = GATEWAY_IN_PROCESS.has(name) ? SESSION_PATH_NODE_FLAGS : [];
  const child = spawn(process.execPath, [...flags, '--import', 'tsx', join(benchDir, `${name}.ts`)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const results: BenchResult[] = [];
  const lines = createInterface({ input: child.stdout! });
  lines.on('line', (line) => {
    const result = parseResultLine(line);
    if (result) results.push(result);
    else console.log(line);
  });
  const status = await new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { status, results };
}

const summary: Array<{ name: string; seconds: number; status: number | null }> = [];
const rows: Array<BenchResult & { bench: string }> = [];
for (const name of wanted.length ? wanted : all) {
  console.log(`\n=== ${name} (load average ${loadavg()[0]!.toFixed(2)}) ===`);
  const started = performance.now();
  const { status, results } = await runOne(name);
  summary.push({ name, seconds: (performance.now() - started) / 1000, status });
  rows.push(...results.map((r) => ({ ...r, bench: name })));
}

console.log('\n=== summary ===');
for (const r of summary) console.log(`${r.status === 0 ? 'ok    ' : 'FAILED'} ${r.name.padEnd(28)} ${r.seconds.toFixed(1)} s`);
const table = renderTable(rows);
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, load average at end ${loadavg()[0]!.toFixed(2)}`;
console.log(`\n=== ratios (${machine}) ===\n${table}`);
mkdirSync(join(benchDir, 'results'), { recursive: true });
writeFileSync(join(benchDir, 'results', 'latest.md'), `# npm run bench — ${new Date().toISOString()}\n\n${machine}\n\n\`\`\`\n${table}\n\`\`\`\n`);
process.exit(summary.every((r) => r.status === 0) ? 0 : 1);
