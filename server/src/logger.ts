import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * Structured logs, one JSON line per event. Field names that could hold a secret are redacted
 * as a second line of defence: code should never hand them to the logger in the first place.
 */
export const REDACTED_LOG_FIELDS = [
  'password', 'newPassword', 'clientSecret', 'secret', 'token', 'accessToken', 'refreshToken',
  'authorization', '*.password', '*.clientSecret', '*.secret', '*.token', '*.accessToken',
  '*.refreshToken', '*.authorization', 'req.headers.authorization',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = { level, base: { service: 'postern-server' }, redact: { paths: REDACTED_LOG_FIELDS, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}
