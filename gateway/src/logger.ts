/** Structured logger the gateway code writes to (pino's call shape; main.ts passes a pino logger). */
export interface GatewayLogger {
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
}

export const silentLogger: GatewayLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };
