/**
 * Typed errors shared by every package. Each carries a stable machine-readable `code`, the HTTP
 * status the API answers with, and a message that tells the user how to fix the problem.
 * The server turns them into `{"error":{"code","message","details"}}`; clients turn that shape
 * back into the same classes with `errorFromBody`.
 */
export type ErrorDetails = Record<string, unknown>;

export class PosternError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: ErrorDetails | undefined;

  constructor(code: string, status: number, message: string, details?: ErrorDetails) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.status = status;
    this.details = details;
  }

  toBody(): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details ? { details: this.details } : {}),
      },
    };
  }
}

export interface ErrorBody {
  error: { code: string; message: string; details?: ErrorDetails };
}

export class ValidationError extends PosternError {
  constructor(message: string, details?: ErrorDetails) {
    super('validation_failed', 400, message, details);
  }
}

export class MalformedRequestError extends PosternError {
  constructor(message: string, details?: ErrorDetails) {
    super('malformed_request', 400, message, details);
  }
}

export class UnauthenticatedError extends PosternError {
  constructor(message = 'Sign in first: send "Authorization: Bearer <access token>" from POST /api/v1/auth/login.', details?: ErrorDetails) {
    super('unauthenticated', 401, message, details);
  }
}

export class TokenExpiredError extends PosternError {
  constructor(message = 'The access token has expired: get a new one with POST /api/v1/auth/refresh or sign in again.') {
    super('token_expired', 401, message);
  }
}

export class ForbiddenError extends PosternError {
  constructor(message: string, details?: ErrorDetails) {
    super('forbidden', 403, message, details);
  }
}

export class NotFoundError extends PosternError {
  constructor(kind: string, id: string) {
    super(`${kind}_not_found`, 404, `No ${kind.replaceAll('_', ' ')} with id or name "${id}" exists here, or you may not see it.`, { kind, id });
  }
}

export class ConflictError extends PosternError {
  constructor(message: string, details?: ErrorDetails) {
    super('conflict', 409, message, details);
  }
}

export class PayloadTooLargeError extends PosternError {
  constructor(limitBytes: number) {
    super('payload_too_large', 413, `The request body is larger than ${limitBytes} bytes; send a smaller one.`, { limitBytes });
  }
}

export class UnprocessableError extends PosternError {
  constructor(code: string, message: string, details?: ErrorDetails) {
    super(code, 422, message, details);
  }
}

export class SessionExpiredError extends PosternError {
  constructor(sessionId: string) {
    super('session_expired', 410, `Session ${sessionId} has ended; request a new session to reconnect.`, { sessionId });
  }
}

/** Rebuilds a typed error from an API error body, so clients can `instanceof` what the server threw. */
export function errorFromBody(status: number, body: unknown): PosternError {
  const err = (body as Partial<ErrorBody> | null)?.error;
  if (!err || typeof err.code !== 'string' || typeof err.message !== 'string') {
    return new PosternError('unexpected_response', status, `The server answered ${status} without a Postern error body.`);
  }
  return new PosternError(err.code, status, err.message, err.details);
}
