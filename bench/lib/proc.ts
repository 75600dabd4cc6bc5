/** What a benchmark reads about processes from /proc (Linux only, as is this bench machine). */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Resident set size of `pid`, in KiB (VmRSS). */
export function rssKb(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]);
}

/** The soft and hard limits of one resource of this process, e.g. "Max open files". */
function limitOf(name: string): { soft: number; hard: number } {
  const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((text) => text.startsWith(name));
  const [soft, hard] = (line?.slice(name.length).trim().split(/\s+/) ?? []).map((value) => (value === 'unlimited' ? Infinity : Number(value)));
  return { soft: soft ?? 0, hard: hard ?? 0 };
}

/**
 * Raises this process's open-file soft limit to at least `needed` (up to the hard limit) with
 * `prlimit`, so every process it starts afterwards (sshd, relay, gateway) inherits it. Node
 * has no setrlimit of its own. Returns the limit now in force.
 */
export function ensureOpenFileLimit(needed: number): number {
  const { soft, hard } = limitOf('Max open files');
  if (soft >= needed) return soft;
  const target = Math.min(hard, Math.max(needed, soft));
  execFileSync('prlimit', ['--pid', String(process.pid), `--nofile=${target}:${hard === Infinity ? 'unlimited' : hard}`]);
  return limitOf('Max open files').soft;
}

/** This process's limit on processes of its user (sshd forks per connection). */
export function processLimit(): number {
  return limitOf('Max processes').soft;
}

/** CPU time `pid` has used so far (user + system), in seconds, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  // The command name (field 2) may hold spaces; the fields after its closing parenthesis are fixed.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').at(-1)!.split(' ');
  // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name; clock ticks of 1/100 s on Linux.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
