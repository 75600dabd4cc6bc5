/**
 * `npm run bench`: runs every benchmark in bench/ one after another (never in parallel: they
 * measure the same two cores), each printing its own figures and ratios against the baseline it
 * measured in the same run. `npm run bench -- transport ssh-scp` runs only those.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = dirname(fileURLToPath(import.meta.url));
const all = readdirSync(benchDir)
  .filter((file) => file.endsWith('.ts') && file !== 'run.ts')
  .map((file) => file.slice(0, -3))
  .sort();
const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !all.includes(name));
if (unknown.length) {
  console.error(`Unknown benchmark(s): ${unknown.join(', ')}. Available: ${all.join(', ')}`);
  process.exit(2);
}

const results: Array<{ name: string; seconds: number; status: number | null }> = [];
for (const name of wanted.length ? wanted : all) {
  console.log(`\n=== ${name} (load average ${loadavg()[0]!.toFixed(2)}) ===`);
  const started = performance.now();
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(benchDir, `${name}.ts`)], { stdio: 'inherit' });
  results.push({ name, seconds: (performance.now() - started) / 1000, status: run.status });
}

console.log('\n=== summary ===');
for (const r of results) console.log(`${r.status === 0 ? 'ok    ' : 'FAILED'} ${r.name.padEnd(28)} ${r.seconds.toFixed(1)} s`);
process.exit(results.every((r) => r.status === 0) ? 0 : 1);
