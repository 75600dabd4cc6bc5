import { PosternError } from '@postern/shared/errors';
import { bridgeArgs, type BridgeHandlers, type BridgeReply } from './bridge.ts';
import { validationErrorFrom } from '@postern/shared/validation';

/**
 * The one entry point for bridge calls, shared by Electron's main process and the dev bridge:
 * unknown methods are refused, the argument is validated with the method's schema before any
 * handler runs, and every outcome becomes a BridgeReply (errors keep code, message and details).
 */

const isMethod = (value: unknown): value is keyof BridgeHandlers => typeof value === 'string' && Object.hasOwn(bridgeArgs, value);

export async function dispatchBridgeCall(handlers: BridgeHandlers, method: unknown, arg: unknown): Promise<BridgeReply<unknown>> {
  try {
    if (!isMethod(method)) {
      throw new PosternError('unknown_bridge_method', 400, `The app has no method "${String(method).slice(0, 64)}".`);
    }
    const parsed = bridgeArgs[method].safeParse(arg);
    if (!parsed.success) throw validationErrorFrom('argument', parsed.error);
    const handler = handlers[method] as (value: unknown) => Promise<unknown>;
    return { ok: true, value: await handler(parsed.data) };
  } catch (error) {
    return replyFromError(error);
  }
}

export function replyFromError(error: unknown): BridgeReply<never> {
  if (error instanceof PosternError) {
    return { ok: false, status: error.status, error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) } };
  }
  // Unexpected failures keep their message (the user's own machine) but no stack or internals.
  const message = error instanceof Error ? error.message : String(error);
  return { ok: false, status: 500, error: { code: 'internal_error', message: `Something went wrong in the app: ${message}` } };
}
