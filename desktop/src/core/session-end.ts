/**
 * Ending the user's own session when they are done with it (a tab closed, `exit` typed, Ctrl-C),
 * so the gateway closes it and completes its recording now instead of at the end time. Best
 * effort: the session still ends at its end time if the server cannot be told, so a failure is a
 * warning and never holds up the user's exit for more than END_SESSION_TIMEOUT_MS.
 */
import { z } from 'zod';
import { PosternError } from '@postern/shared/errors';
import type { ApiClient } from './api-client.ts';
import { RequestTimeoutError } from './errors.ts';

/** The longest an exit waits for the server to hear that the session ended. */
export const END_SESSION_TIMEOUT_MS = 2_000;

const zEnded = z.object({ sessionId: z.string(), status: z.literal('ended'), endedAt: z.string() });
const zSessionStatus = z.enum(['ended', 'expired', 'terminated']);

export interface SessionEndOutcome {
  sessionId: string;
  /** 'ended' by this call, or how it had already ended (the server's 409 names it). */
  status: z.infer<typeof zSessionStatus>;
  /** True when the session was already over: nothing was left to end, which is success too. */
  alreadyOver: boolean;
}

/**
 * Ends the caller's own session. A session that is already over (409: ended, expired or
 * terminated) counts as ended. Throws the typed error otherwise (unreachable, timeout, 404).
 */
export async function endSession(api: ApiClient, sessionId: string, timeoutMs = END_SESSION_TIMEOUT_MS): Promise<SessionEndOutcome> {
  let timer: NodeJS.Timeout | undefined;
  // The request carries the bound too; this one also covers a token refresh on the way.
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new RequestTimeoutError(api.serverUrl, timeoutMs)), timeoutMs);
    timer.unref();
  });
  const ending = api.request('POST', `/api/v1/pam/sessions/${encodeURIComponent(sessionId)}/end`, { schema: zEnded, timeoutMs });
  ending.catch(() => undefined); // a late failure after the deadline won must not go unhandled
  try {
    const ended = await Promise.race([ending, deadline]);
    return { sessionId: ended.sessionId, status: 'ended', alreadyOver: false };
  } catch (error) {
    if (error instanceof PosternError && error.status === 409) {
      const status = zSessionStatus.safeParse(error.details?.status);
      return { sessionId, status: status.success ? status.data : 'ended', alreadyOver: true };
    }
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * endSession for exits: never throws; a failure becomes one line for `warn` (stderr in the CLI,
 * the log in the app) saying the session still ends at its end time.
 */
export async function endSessionQuietly(api: ApiClient, sessionId: string, warn: (line: string) => void, timeoutMs = END_SESSION_TIMEOUT_MS): Promise<SessionEndOutcome | undefined> {
  try {
    return await endSession(api, sessionId, timeoutMs);
  } catch (error) {
    warn(sessionEndWarning(sessionId, error));
    return undefined;
  }
}

/** The one line a failed end becomes. */
export function sessionEndWarning(sessionId: string, error: unknown): string {
  const reason = error instanceof Error ? error.message : String(error);
  return `Postern: could not end session ${sessionId} now (${reason}); it ends by itself at its end time.`;
}
