import type { IncomingMessage } from 'node:http';
import type { SessionRecorder } from '@postern/shared/recording/recorder';
import { inferKubectlCommand, parseKubernetesRequest, type KubernetesRequestInfo } from './request-info.ts';

/** One line of the Kubernetes command log: the recording's `k8s.request` event. */
export interface KubernetesRequestEvent {
  type: 'k8s.request';
  /** When the request arrived, ISO 8601. */
  time: string;
  verb: string;
  method: string;
  path: string;
  namespace: string | undefined;
  resource: string | undefined;
  subresource: string | undefined;
  name: string | undefined;
  /** The API server's status; 101 for a granted upgrade; the gateway's own when it answered itself. */
  status: number;
  /** Body bytes from the client (after an upgrade: every byte the client sent). */
  bytesIn: number;
  /** Body bytes to the client (after an upgrade: every byte the server sent). */
  bytesOut: number;
  durationMs: number;
  /** kubectl's Kubectl-Command header: the command without its arguments (`kubectl get`). */
  kubectlCommand: string | undefined;
  /** kubectl's Kubectl-Session header: one id for all the requests of one kubectl run. */
  kubectlSession: string | undefined;
  /** The command with its arguments as far as the request shows them (`kubectl get pods --watch`): a best guess, for reading the log. */
  inferredCommand: string | undefined;
  /** Set when the gateway answered itself (refused, or the API server was unreachable). */
  error?: string;
}

const header = (req: IncomingMessage, name: string) => {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
};

/** Tracks one request from arrival to end and writes its event exactly once. */
export class CommandLogEntry {
  readonly info: KubernetesRequestInfo;
  readonly query: URLSearchParams;
  bytesIn = 0;
  bytesOut = 0;
  status = 0;
  error: string | undefined;
  private readonly started = Date.now();
  private readonly path: string;
  private written = false;

  constructor(private readonly req: IncomingMessage, private readonly recorder: SessionRecorder) {
    const url = new URL(req.url ?? '/', 'http://kubernetes');
    this.path = url.pathname;
    this.query = url.searchParams;
    this.info = parseKubernetesRequest(req.method ?? 'GET', url.pathname, url.searchParams);
  }

  finish(): KubernetesRequestEvent | undefined {
    if (this.written) return undefined;
    this.written = true;
    const event = this.event();
    this.recorder.event({ ...event });
    return event;
  }

  private event(): KubernetesRequestEvent {
    return {
      type: 'k8s.request', time: new Date(this.started).toISOString(), verb: this.info.verb, method: this.req.method ?? 'GET', path: this.path,
      namespace: this.info.namespace, resource: this.info.resource, subresource: this.info.subresource, name: this.info.name,
      status: this.status, bytesIn: this.bytesIn, bytesOut: this.bytesOut, durationMs: Date.now() - this.started,
      kubectlCommand: header(this.req, 'kubectl-command'), kubectlSession: header(this.req, 'kubectl-session'),
      inferredCommand: inferKubectlCommand(this.info, this.query, header(this.req, 'accept') ?? '', header(this.req, 'kubectl-command')),
      ...(this.error ? { error: this.error } : {}),
    };
  }
}
