/**
 * `postern pam sessions list | show ID | play ID | export ID`: review recorded sessions.
 * Reviewers (project admin or auditor, org owner or admin) see every session and its content;
 * anyone else lists only their own sessions, without content. `end ID` ends one's own session.
 */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { formatAsciicast } from '@postern/shared/recording/asciicast';
import type { ApiClient } from '../../core/api-client.ts';
import { pamApi } from '../../core/pam-api.ts';
import { endSession } from '../../core/session-end.ts';
import { playAsciicast } from '../../core/recordings/player.ts';
import { sessionsApi, type SessionDetail, type SessionSummary } from '../../core/recordings/sessions-api.ts';
import { print, type CliContext } from '../context.ts';
import { formatTable } from '../table.ts';
import { UsageError } from './auth.ts';
import { describeSessionDetail, describeReview } from './sessions-format.ts';

interface ListOptions {
  orgId?: string; projectId?: string; user?: string; resource?: string; type?: string;
  since?: string; until?: string; after?: string; limit?: string; json?: boolean;
}

const RELATIVE = /^(\d+)([smhd])$/;
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** "2h", "7d" (ago) or an ISO 8601 time. */
export function parseTimeOption(value: string, name: string, now = Date.now()): string {
  const relative = RELATIVE.exec(value);
  if (relative) return new Date(now - Number(relative[1]) * UNIT_MS[relative[2] as keyof typeof UNIT_MS]).toISOString();
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw new UsageError(`${name} must be a time like 2026-01-31T09:00:00Z or an age like 2h or 7d, not "${value}".`);
  return new Date(time).toISOString();
}

function parsePositive(value: string | undefined, name: string, integer: boolean): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0 || (integer && !Number.isInteger(number))) throw new UsageError(`${name} must be a positive ${integer ? 'whole ' : ''}number, not "${value}".`);
  return number;
}

/** The org to list: named, the project's, or the caller's only org. */
async function resolveOrgId(api: ApiClient, options: ListOptions): Promise<string> {
  if (options.orgId) return options.orgId;
  if (options.projectId) return (await pamApi.getProject(api, options.projectId)).orgId;
  const me = await pamApi.me(api);
  if (me.kind === 'machine') return me.orgId;
  if (me.orgs.length === 1) return me.orgs[0]!.id;
  throw new UsageError(`You are in ${me.orgs.length} orgs: name one with --org-id (see: postern whoami).`);
}

function sessionRow(session: SessionSummary): string[] {
  const started = new Date(session.startedAt);
  const ended = session.endedAt ? new Date(session.endedAt) : undefined;
  const minutes = ended ? `${Math.max(0, Math.round((ended.getTime() - started.getTime()) / 60_000))}m` : '-';
  const recording = session.recording;
  return [
    session.sessionId, session.startedAt.replace(/\.\d{3}Z$/, 'Z'), session.user?.email ?? '(deleted)', session.resource ? `${session.resource.name} (${session.resource.type})` : '(deleted)',
    session.account?.username ?? session.account?.name ?? '-', session.status, minutes,
    recording ? String(recording.terminalBytes) : '-', recording?.exitCode === null || !recording ? '-' : String(recording.exitCode),
  ];
}

async function list(context: CliContext, options: ListOptions): Promise<void> {
  if (options.type !== undefined && options.type !== 'ssh' && options.type !== 'kubernetes') throw new UsageError(`--type must be "ssh" or "kubernetes", not "${options.type}".`);
  const api = await context.session.api();
  const answer = await sessionsApi.list(api, {
    orgId: await resolveOrgId(api, options), projectId: options.projectId, userId: options.user, resourceId: options.resource,
    type: options.type as 'ssh' | 'kubernetes' | undefined,
    from: options.since ? parseTimeOption(options.since, '--since') : undefined, to: options.until ? parseTimeOption(options.until, '--until') : undefined,
    ...parsePageCursor(options.after),
    limit: parsePositive(options.limit, '--limit', true),
  });
  if (options.json) return print(context, JSON.stringify(answer, null, 2));
  if (answer.sessions.length === 0) return print(context, 'No sessions match.');
  print(context, formatTable(['ID', 'STARTED', 'USER', 'RESOURCE', 'ACCOUNT', 'STATUS', 'LENGTH', 'BYTES', 'EXIT'], answer.sessions.map(sessionRow)));
  if (answer.nextBefore && answer.nextBeforeId) print(context, `More: add --after ${answer.nextBefore},${answer.nextBeforeId}`);
}

/** `--after TIME,ID`: the keyset cursor a previous page printed (rows that started at the same moment are neither skipped nor repeated). */
function parsePageCursor(cursor: string | undefined): { before?: string; beforeId?: string } {
  if (cursor === undefined) return {};
  const [before, beforeId, ...rest] = cursor.split(',');
  if (!before || !beforeId || rest.length || Number.isNaN(Date.parse(before))) {
    throw new UsageError(`--after takes the cursor a previous list printed ("More: add --after TIME,ID"), not "${cursor}".`);
  }
  return { before, beforeId };
}

async function show(context: CliContext, sessionId: string, options: { json?: boolean }): Promise<void> {
  const api = await context.session.api();
  const detail: SessionDetail = await sessionsApi.show(api, sessionId);
  const reviewable = detail.canReview && detail.recording !== null;
  const events = reviewable ? await sessionsApi.events(api, sessionId) : undefined;
  const kubernetes = reviewable && detail.resource?.type === 'kubernetes' ? await sessionsApi.kubernetes(api, sessionId) : undefined;
  if (options.json) return print(context, JSON.stringify({ ...detail, ...(events ? { recordingEvents: events } : {}), ...(kubernetes ? { kubernetes } : {}) }, null, 2));
  print(context, describeSessionDetail(detail));
  if (events) print(context, describeReview(events, kubernetes));
  else if (!detail.canReview) print(context, 'Playback: needs the project role admin or auditor.');
}

async function play(context: CliContext, sessionId: string, options: { terminal: string; speed?: string; idleCap?: string }): Promise<void> {
  const terminal = parsePositive(options.terminal, '--terminal', true)!;
  const speed = parsePositive(options.speed, '--speed', false);
  const idleCap = options.idleCap === undefined ? undefined : Number(options.idleCap);
  if (idleCap !== undefined && !(idleCap >= 0)) throw new UsageError(`--idle-cap must be 0 (no cap) or more seconds, not "${options.idleCap}".`);
  const api = await context.session.api();
  const cast = await sessionsApi.asciicast(api, sessionId, terminal);
  const stop = new AbortController();
  const interrupt = () => stop.abort();
  process.once('SIGINT', interrupt);
  try {
    await playAsciicast(cast, context.terminal.output, { speed, idleCapSeconds: idleCap, signal: stop.signal });
  } finally {
    process.off('SIGINT', interrupt);
  }
  context.terminal.error.write(`\r\n[postern: end of session ${sessionId} terminal ${terminal}]\r\n`);
}

async function exportRecording(context: CliContext, sessionId: string, options: { terminal: string; events?: boolean; output?: string }): Promise<void> {
  const api = await context.session.api();
  let text: string;
  if (options.events) {
    const { events } = await sessionsApi.events(api, sessionId);
    text = events.map((entry) => JSON.stringify({ at: entry.at, ...entry.event })).join('\n') + (events.length ? '\n' : '');
  } else {
    const terminal = parsePositive(options.terminal, '--terminal', true)!;
    // Re-formatted from the parsed recording: what is written is checked asciicast v2, whatever the server sent.
    text = formatAsciicast(await sessionsApi.asciicast(api, sessionId, terminal));
  }
  if (options.output) await writeFile(options.output, text, { mode: 0o600 });
  else context.terminal.output.write(text);
}

/** An explicit end waits as long as any other call: nobody is waiting to exit. */
const END_COMMAND_TIMEOUT_MS = 15_000;

async function end(context: CliContext, sessionId: string): Promise<void> {
  const api = await context.session.api();
  const outcome = await endSession(api, sessionId, END_COMMAND_TIMEOUT_MS);
  print(context, outcome.alreadyOver
    ? `Session ${sessionId} was already ${outcome.status}; nothing to end.`
    : `Session ${sessionId} ended; its gateway closes its connections and completes the recording.`);
}

export function registerSessionsCommands(pam: Command, context: CliContext): void {
  const sessions = pam.command('sessions').description('Sessions: list, inspect, replay, export recordings; end your own session');
  sessions.command('list').description('Sessions you may see, newest first')
    .option('--org-id <id>', 'the org (default: your only org, or the project\'s)')
    .option('--project-id <id>', 'only this project')
    .option('--user <id>', 'only sessions of this user id')
    .option('--resource <id>', 'only sessions on this resource id')
    .option('--type <type>', 'only "ssh" or "kubernetes"')
    .option('--since <time>', 'started at or after (ISO time, or an age like 2h, 7d)')
    .option('--until <time>', 'started at or before (ISO time, or an age)')
    .option('--after <cursor>', 'the next page: the cursor the previous list printed')
    .option('--limit <n>', 'at most this many (default 50, at most 200)')
    .option('--json', 'print JSON instead of a table')
    .action((options: ListOptions) => list(context, options));
  sessions.command('show').argument('<id>', 'session id').description('Who, what, when, how it ended; terminals and commands for reviewers')
    .option('--json', 'print JSON')
    .action((id: string, options: { json?: boolean }) => show(context, id, options));
  sessions.command('play').argument('<id>', 'session id').description('Replay a terminal in this terminal with its recorded timing')
    .option('--terminal <n>', 'which terminal of the session (see: show)', '1')
    .option('--speed <x>', 'play x times as fast (e.g. 2, 0.5)')
    .option('--idle-cap <seconds>', 'longest pause shown (default 2; 0 = none)')
    .action((id: string, options: { terminal: string; speed?: string; idleCap?: string }) => play(context, id, options));
  sessions.command('export').argument('<id>', 'session id').description('Write a terminal as asciicast v2 (plays in asciinema), or the events as JSON lines')
    .option('--terminal <n>', 'which terminal of the session (see: show)', '1')
    .option('--events', 'the structured events (commands, SFTP, Kubernetes requests) as JSON lines instead')
    .option('-o, --output <file>', 'write to this file instead of standard output')
    .action((id: string, options: { terminal: string; events?: boolean; output?: string }) => exportRecording(context, id, options));
  sessions.command('end').argument('<id>', 'session id (printed when the session started; see: list)')
    .description('End your own session now: its connections close and its recording is completed')
    .action((id: string) => end(context, id));
}
