/**
 * The Kubernetes command timeline of a session: its `k8s.request` events grouped into the kubectl
 * runs they came from (kubectl sends one Kubectl-Session id per run), so a reviewer reads
 * "kubectl get pods -n prod (3 requests)" rather than the discovery calls behind it.
 */
import type { TimedEvent } from './assemble.ts';

export interface KubernetesRequestLine {
  at: number;
  verb: string;
  method: string;
  path: string;
  namespace: string | null;
  resource: string | null;
  name: string | null;
  status: number;
  durationMs: number;
  command: string | null;
}

export interface KubernetesCommand {
  /** kubectl's Kubectl-Session id; null for requests made without kubectl. */
  kubectlSession: string | null;
  /** The most specific command seen in the run (inferred, with arguments, when possible). */
  command: string;
  startedAt: number;
  endedAt: number;
  requests: number;
  /** Requests answered with 4xx/5xx (or by the gateway itself). */
  failed: number;
  /** The non-discovery requests of the run: what the command actually did. */
  actions: KubernetesRequestLine[];
}

const text = (value: unknown): string | null => (typeof value === 'string' && value ? value : null);
const num = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

function lineOf({ at, event }: TimedEvent): KubernetesRequestLine {
  return {
    at, verb: text(event.verb) ?? 'unknown', method: text(event.method) ?? 'GET', path: text(event.path) ?? '/',
    namespace: text(event.namespace), resource: text(event.resource), name: text(event.name),
    status: num(event.status), durationMs: num(event.durationMs), command: text(event.inferredCommand) ?? text(event.kubectlCommand),
  };
}

/** Discovery (`/api`, `/apis`, `/openapi/…`, `/version`) says nothing about what the user did. */
function isDiscovery(line: KubernetesRequestLine): boolean {
  return line.resource === null && /^\/(api|apis|openapi|version)(\/|$)/.test(line.path);
}

export function kubernetesTimeline(events: readonly TimedEvent[]): KubernetesCommand[] {
  const runs = new Map<string, KubernetesCommand>();
  const order: KubernetesCommand[] = [];
  for (const timed of events) {
    if (timed.event.type !== 'k8s.request') continue;
    const line = lineOf(timed);
    const kubectlSession = text(timed.event.kubectlSession);
    // Requests without a kubectl session each stand alone.
    const key = kubectlSession ?? `request:${order.length}`;
    let run = runs.get(key);
    if (!run) {
      run = { kubectlSession, command: line.command ?? `${line.method} ${line.path}`, startedAt: line.at, endedAt: line.at, requests: 0, failed: 0, actions: [] };
      runs.set(key, run);
      order.push(run);
    }
    run.requests += 1;
    run.endedAt = Math.max(run.endedAt, line.at + line.durationMs);
    if (line.status >= 400 || line.status === 0 || timed.event.error) run.failed += 1;
    if (!isDiscovery(line)) {
      run.actions.push(line);
      if (line.command && line.command.length >= run.command.length) run.command = line.command;
    }
  }
  return order;
}
