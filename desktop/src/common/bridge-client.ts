import { errorFromBody } from '@postern/shared/errors';
import type { PosternBridge, RawBridge } from './bridge.ts';

/** The typed bridge over a raw one: resolves with the value, or throws the typed error main sent. */
export function createBridgeClient(raw: RawBridge): PosternBridge {
  return {
    async call(method, ...arg) {
      const reply = await raw.invoke(method, arg[0]);
      if (reply.ok) return reply.value as never;
      throw errorFromBody(reply.status, { error: reply.error });
    },
    on: (event, listener) => raw.on(event, listener),
  };
}
