/**
 * Ends live sessions within a second of an admin terminating them: one long-poll to the server
 * (POST /api/v1/pam/sessions/watch) names every session this gateway is serving and returns as
 * soon as one of them is no longer active. The poll restarts whenever the set changes. Each
 * session gets an AbortSignal that fires when the server says it ended.
 */
import { z } from 'zod';

export type WatchSessions = (sessionIds: string[], signal: AbortSignal) => Promise<Array<{ sessionId: string; status: string }>>;

export interface TerminationWatchOptions {
  watch: WatchSessions;
  log: { warn(fields: object, message?: string): void };
  /** Wait after a failed poll before the next (the server may be restarting). */
  retryMs?: number;
}

const zWatchAnswer = z.object({ ended: z.array(z.object({ sessionId: z.string(), status: z.string() })) });

/** The HTTP long-poll against the server, authenticated as the gateway's machine identity. */
export function httpWatchSessions(options: { serverUrl: string; token: () => Promise<string> | string; waitSeconds?: number; fetch?: typeof fetch }): WatchSessions {
  const doFetch = options.fetch ?? fetch;
  return async (sessionIds, signal) => {
    const response = await doFetch(new URL('/api/v1/pam/sessions/watch', options.serverUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await options.token()}` },
      body: JSON.stringify({ sessionIds, waitSeconds: options.waitSeconds ?? 25 }),
      signal,
    });
    if (!response.ok) throw new Error(`the server answered ${response.status}`);
    return zWatchAnswer.parse(await response.json()).ended;
  };
}

export class SessionTerminationWatch {
  private readonly sessions = new Map<string, Set<AbortController>>();
  private inFlight: AbortController | undefined;
  private running = false;
  private stopped = false;

  constructor(private readonly options: TerminationWatchOptions) {}

  /** Watches `sessionId` until `release` is called; the signal aborts when the server ends the session. */
  track(sessionId: string): { signal: AbortSignal; release: () => void } {
    const controller = new AbortController();
    const set = this.sessions.get(sessionId) ?? new Set<AbortController>();
    set.add(controller);
    const isNew = !this.sessions.has(sessionId);
    this.sessions.set(sessionId, set);
    if (isNew) this.restart();
    return {
      signal: controller.signal,
      release: () => {
        set.delete(controller);
        if (set.size === 0 && this.sessions.get(sessionId) === set) {
          this.sessions.delete(sessionId);
          this.restart();
        }
      },
    };
  }

  stop(): void {
    this.stopped = true;
    this.inFlight?.abort();
  }

  /** Starts the loop, or makes the running one re-ask with the new set of sessions. */
  private restart(): void {
    if (this.running) this.inFlight?.abort();
    else void this.loop();
  }

  private async loop(): Promise<void> {
    this.running = true;
    while (!this.stopped && this.sessions.size > 0) {
      const controller = new AbortController();
      this.inFlight = controller;
      try {
        const ended = await this.options.watch([...this.sessions.keys()], controller.signal);
        for (const { sessionId, status } of ended) this.end(sessionId, status);
      } catch (error) {
        if (controller.signal.aborted) continue;
        this.options.log.warn({ event: 'session_watch_failed', error: (error as Error).message }, 'session termination watch failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, this.options.retryMs ?? 1_000));
      }
    }
    this.running = false;
  }

  private end(sessionId: string, status: string): void {
    const set = this.sessions.get(sessionId);
    if (!set) return;
    this.sessions.delete(sessionId);
    for (const controller of set) controller.abort(new SessionEndedByServer(sessionId, status));
  }
}

/** The abort reason of a watched session: the status the server reported ('ended' by its user, 'terminated' by an admin…). */
export class SessionEndedByServer extends Error {
  constructor(readonly sessionId: string, readonly status: string) {
    super(`session ${sessionId} ${status}`);
  }
}

/** Who ended a session the server ended: the status its watch reported. */
export type EndedBy = 'administrator' | 'user';

export function endedByOf(signal: AbortSignal): EndedBy {
  return signal.reason instanceof SessionEndedByServer && signal.reason.status === 'ended' ? 'user' : 'administrator';
}
