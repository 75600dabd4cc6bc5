import type { BridgeEvent, BridgeEvents, BridgeReply, RawBridge } from '../common/bridge.ts';

/**
 * window.postern for a plain browser: calls go to the dev bridge server over HTTP, events come
 * over a WebSocket. Only the `devbridge` build includes it; the app's build drops it.
 */
export function connectDevBridge(origin: string): RawBridge {
  const listeners = new Map<BridgeEvent, Set<(payload: never) => void>>();
  const socket = new WebSocket(`${origin.replace(/^http/, 'ws')}/bridge/events`);
  socket.addEventListener('message', (message) => {
    const { event, payload } = JSON.parse(String(message.data)) as { event: BridgeEvent; payload: never };
    for (const listener of listeners.get(event) ?? []) listener(payload);
  });
  return {
    async invoke(method, arg) {
      const response = await fetch(`${origin}/bridge/call`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ method, arg }),
      });
      return (await response.json()) as BridgeReply<unknown>;
    },
    on<E extends BridgeEvent>(event: E, listener: (payload: BridgeEvents[E]) => void) {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      set.add(listener as (payload: never) => void);
      return () => { set.delete(listener as (payload: never) => void); };
    },
  };
}
