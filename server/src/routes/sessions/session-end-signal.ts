/**
 * Wakes the gateways' long-polls on this server as soon as a session is terminated here. Other
 * servers behind the load balancer notice through the database poll in the watch loop, so the
 * signal only shortens the wait; it carries no state a restart could lose.
 */
import { EventEmitter } from 'node:events';

// Keyed by the database handle: every app built on the same database shares one signal, and
// separate test apps never see each other's wakeups.
const signals = new WeakMap<object, EventEmitter>();

function signalOf(db: object): EventEmitter {
  let emitter = signals.get(db);
  if (!emitter) {
    emitter = new EventEmitter();
    emitter.setMaxListeners(0);
    signals.set(db, emitter);
  }
  return emitter;
}

export function announceSessionEnd(db: object, sessionId: string): void {
  signalOf(db).emit('ended', sessionId);
}

/** Resolves when a session ends on this server, after `ms`, or when `abort` fires, whichever is first. */
export function waitForSessionEnd(db: object, ms: number, abort?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const emitter = signalOf(db);
    const done = () => {
      clearTimeout(timer);
      emitter.off('ended', done);
      abort?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    emitter.on('ended', done);
    abort?.addEventListener('abort', done, { once: true });
  });
}
