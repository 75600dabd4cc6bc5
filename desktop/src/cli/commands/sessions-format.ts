/** How `postern pam sessions show` prints a session, its terminals, events and Kubernetes commands. */
import type { KubernetesTimeline, RecordingEvents, SessionDetail } from '../../core/recordings/sessions-api.ts';
import { formatTable } from '../table.ts';

const time = (iso: string | null) => (iso ? iso.replace(/\.\d{3}Z$/, 'Z') : '-');

export function describeSessionDetail(detail: SessionDetail): string {
  const recording = detail.recording;
  const lines: Array<[string, string]> = [
    ['Session', detail.sessionId],
    ['User', detail.user?.email ?? '(deleted)'],
    ['Resource', detail.resource ? `${detail.resource.name} (${detail.resource.type})` : '(deleted)'],
    ['Account', detail.account ? `${detail.account.name}${detail.account.username ? ` (${detail.account.username})` : ''}` : '(deleted)'],
    ['Status', detail.status],
    ['Started', time(detail.startedAt)],
    ['Ended', time(detail.endedAt)],
    ['Recording', recording
      ? `${recording.terminals} terminal(s), ${recording.terminalBytes} bytes, ${recording.events} event(s), exit ${recording.exitCode ?? '-'}${recording.complete ? '' : ' (incomplete)'}`
      : 'none'],
  ];
  return lines.map(([name, value]) => `${`${name}:`.padEnd(11)}${value}`).join('\n');
}

function describeEvent(event: Record<string, unknown>): string {
  const { type, ...rest } = event;
  if (type === 'ssh.exec') return `exec ${String(rest.command)} → exit ${rest.exitCode ?? '-'}`;
  if (type === 'ssh.sftp') return `sftp ${String(rest.op)} ${String(rest.path ?? '')}`;
  return `${String(type)} ${JSON.stringify(rest)}`;
}

export function describeReview(events: RecordingEvents, kubernetes: KubernetesTimeline | undefined): string {
  const parts: string[] = [];
  if (events.missingChunks.length) parts.push(`Missing chunks: ${events.missingChunks.join(', ')} (lost in a gateway crash or still uploading)`);
  if (events.terminals.length) {
    parts.push('', formatTable(['TERMINAL', 'COMMAND', 'SIZE', 'OPENED', 'SECONDS', 'BYTES OUT', 'EXIT'], events.terminals.map((t) => [
      String(t.terminal), t.command ?? '(shell)', `${t.cols}x${t.rows}`, time(t.openedAt), t.durationSeconds.toFixed(1), String(t.bytesOut), t.exitCode === null ? '-' : String(t.exitCode),
    ])));
  }
  if (kubernetes?.commands.length) {
    parts.push('', formatTable(['TIME', 'COMMAND', 'REQUESTS', 'FAILED'], kubernetes.commands.map((c) => [time(c.startedAt), c.command, String(c.requests), String(c.failed)])));
  } else if (events.events.length) {
    parts.push('', formatTable(['TIME', 'EVENT'], events.events.map((e) => [time(e.at), describeEvent(e.event)])));
  }
  return parts.join('\n');
}
