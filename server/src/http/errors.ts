import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import {
  ConflictError, MalformedRequestError, PayloadTooLargeError, PosternError,
} from '@postern/shared/errors';
import { asUniqueViolation, conflictingField } from '../db/errors.ts';
import type { AppEnv } from '../deps.ts';

/** Turns anything thrown by a handler or middleware into a Postern error (unexpected → undefined). */
export function toPosternError(error: unknown, maxBodyBytes: number): PosternError | undefined {
  if (error instanceof PosternError) return error;
  if (error instanceof HTTPException) {
    if (error.status === 413) return new PayloadTooLargeError(maxBodyBytes);
    if (error.status === 400) return new MalformedRequestError(`${error.message || 'The request could not be read'}: send valid JSON with "Content-Type: application/json".`);
    if (error.status === 415) return new PosternError('unsupported_media_type', 415, 'Send the request body as JSON with "Content-Type: application/json".');
    if (error.status < 500) return new PosternError('http_error', error.status, error.message || 'The request was refused.');
    return undefined;
  }
  const unique = asUniqueViolation(error);
  if (unique) {
    const field = conflictingField(unique);
    return new ConflictError(`Another record already uses this ${field}; choose a different ${field}.`, { field });
  }
  return undefined;
}

/** `app.onError`: one JSON error shape; unexpected errors are logged and answered without internals. */
export function handleError(error: Error, c: Context<AppEnv>): Response {
  const deps = c.var.deps;
  const known = toPosternError(error, deps.config.maxBodyBytes);
  if (known) {
    const retryAfter = known.details?.retryAfterSeconds;
    if (typeof retryAfter === 'number') c.header('retry-after', String(retryAfter));
    return c.json(known.toBody(), known.status as 400);
  }
  deps.logger.error({ requestId: c.var.requestId, method: c.req.method, path: c.req.path, err: describeUnexpected(error) }, 'unexpected error');
  const internal = new PosternError('internal_error', 500, 'The server failed to handle this request; it has been logged. Try again, and report it if it persists.', { requestId: c.var.requestId });
  return c.json(internal.toBody(), 500);
}

/**
 * What to log about an unexpected error. Drizzle's query errors carry the bound parameters
 * (password hashes, token hashes, vault ciphertext), so only the message of the innermost cause,
 * its SQLSTATE and the stack are kept.
 */
export function describeUnexpected(error: unknown): Record<string, unknown> {
  let innermost: unknown = error;
  for (let depth = 0; depth < 5 && innermost instanceof Error && innermost.cause instanceof Error; depth++) innermost = innermost.cause;
  const inner = innermost instanceof Error ? innermost : new Error(String(innermost));
  const outer = error instanceof Error ? error : inner;
  const code = (inner as { code?: unknown }).code;
  return {
    type: outer.name,
    message: inner === outer ? inner.message : `${outer.message.split('\n')[0]?.replace(/^(Failed query:).*/, '$1 (query withheld)')} | ${inner.message}`,
    ...(typeof code === 'string' ? { code } : {}),
    stack: outer.stack?.split('\n').filter((line) => line.startsWith('    at ')).slice(0, 8).join('\n'),
  };
}
