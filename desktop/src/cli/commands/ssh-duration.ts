import { PosternError } from '@postern/shared/errors';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `1h`, `90m`, `1h30m`, `45s`, `2d` → seconds. A bare number is minutes, as people usually mean. */
export function parseDuration(text: string): number {
  const trimmed = text.trim().toLowerCase();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 60;
  if (!/^(\d+[smhd])+$/.test(trimmed)) {
    throw new PosternError('invalid_duration', 400, `"${text}" is not a duration; write it like 1h, 30m, 1h30m or 45s.`, { value: text });
  }
  let seconds = 0;
  for (const [, amount, unit] of trimmed.matchAll(/(\d+)([smhd])/g)) seconds += Number(amount) * UNIT_SECONDS[unit!]!;
  if (seconds <= 0) throw new PosternError('invalid_duration', 400, `The duration "${text}" is zero; ask for at least one second.`, { value: text });
  return seconds;
}

/** Ends the command with this exit code, without an error line (the remote shell's status, passed through). */
export class CommandExitCode extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/** Shell-style exit code for a signal name, e.g. SIGTERM → 143. */
export function signalExitCode(signal: string): number {
  const numbers: Record<string, number> = { HUP: 1, INT: 2, QUIT: 3, ILL: 4, ABRT: 6, FPE: 8, KILL: 9, SEGV: 11, PIPE: 13, ALRM: 14, TERM: 15, USR1: 10, USR2: 12 };
  return 128 + (numbers[signal.replace(/^SIG/, '')] ?? 0);
}
