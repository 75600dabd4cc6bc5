/**
 * Asks the server whether a session is still active: GET the configured URL with the session id
 * filled in (the server's `GET /api/v1/pam/sessions/{sessionId}/status`, with the gateway's
 * machine identity token); `{"active": true, …}` admits it, `{"active": false}`, 404 and 410 say
 * it is not active. Anything else — another status, a body without the flag, a timeout, a
 * network error — throws, and the gateway refuses the session (fail closed).
 */
import { z } from 'zod';

const zAnswer = z.object({ active: z.boolean() });

export interface SessionCheckOptions {
  urlTemplate: string;
  token: string | undefined;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export function httpSessionCheck(options: SessionCheckOptions): (sessionId: string) => Promise<boolean> {
  const doFetch = options.fetch ?? fetch;
  return async (sessionId) => {
    const url = options.urlTemplate.replaceAll('{sessionId}', encodeURIComponent(sessionId)).replaceAll('%7BsessionId%7D', encodeURIComponent(sessionId));
    const response = await doFetch(url, {
      headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
      signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
    });
    if (response.status === 404 || response.status === 410) return false;
    if (!response.ok) throw new Error(`the server answered ${response.status}`);
    const answer = zAnswer.safeParse(await response.json());
    if (!answer.success) throw new Error('the server answer has no "active" flag');
    return answer.data.active;
  };
}
