/**
 * Asks the server whether a session is still active: GET the configured URL with the session id
 * filled in; `{"active": true}` admits it. Anything else — another status, a body without
 * `active: true`, a timeout, a network error — refuses it (fail closed).
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
    if (!response.ok) throw new Error(`the server answered ${response.status}`);
    const answer = zAnswer.safeParse(await response.json());
    if (!answer.success) throw new Error('the server answer has no "active" flag');
    return answer.data.active;
  };
}
