import { describe, expect, it } from 'vitest';
import { SessionEndedByServer, SessionTerminationWatch, type WatchSessions } from './termination-watch.ts';

/** A watch endpoint in memory: answers when a session is ended, or empty when the caller aborts. */
function fakeServer() {
  const ended = new Map<string, string>();
  const calls: string[][] = [];
  const waiters = new Set<() => void>();
  const watch: WatchSessions = (sessionIds, signal) => {
    calls.push([...sessionIds]);
    return new Promise((resolve, reject) => {
      const check = () => {
        const hits = sessionIds.filter((id) => ended.has(id)).map((sessionId) => ({ sessionId, status: ended.get(sessionId)! }));
        if (hits.length === 0) return false;
        waiters.delete(check);
        resolve(hits);
        return true;
      };
      if (check()) return;
      waiters.add(check);
      signal.addEventListener('abort', () => {
        waiters.delete(check);
        reject(new Error('aborted'));
      }, { once: true });
    });
  };
  return {
    watch, calls,
    end(sessionId: string, status = 'terminated') {
      ended.set(sessionId, status);
      for (const check of [...waiters]) check();
    },
  };
}

const quietLog = { warn: () => undefined };

describe('SessionTerminationWatch', () => {
  it('aborts the signal of a session the server ends, and only that one', async () => {
    const server = fakeServer();
    const watch = new SessionTerminationWatch({ watch: server.watch, log: quietLog });
    const a = watch.track('a');
    const b = watch.track('b');
    await new Promise((resolve) => setTimeout(resolve, 10));
    server.end('a');
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(a.signal.aborted).toBe(true);
    expect(a.signal.reason).toBeInstanceOf(SessionEndedByServer);
    expect(a.signal.reason).toMatchObject({ sessionId: 'a', status: 'terminated', message: 'session a terminated' });
    expect(b.signal.aborted).toBe(false);
    watch.stop();
  });

  it('asks again with the new set whenever a session starts or is released', async () => {
    const server = fakeServer();
    const watch = new SessionTerminationWatch({ watch: server.watch, log: quietLog });
    const a = watch.track('a');
    await new Promise((resolve) => setTimeout(resolve, 10));
    watch.track('b');
    await new Promise((resolve) => setTimeout(resolve, 10));
    a.release();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(server.calls).toEqual([['a'], ['a', 'b'], ['b']]);
    watch.stop();
  });

  it('keeps polling after a failed request and stops when no session is left', async () => {
    let failures = 1;
    const calls: string[][] = [];
    const watch = new SessionTerminationWatch({
      watch: async (ids, signal) => {
        calls.push(ids);
        if (failures-- > 0) throw new Error('server down');
        return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
      },
      log: quietLog,
      retryMs: 5,
    });
    const a = watch.track('a');
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(calls.length).toBe(2);
    a.release();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(calls.length).toBe(2);
  });

  it('two connections of one session share its end', async () => {
    const server = fakeServer();
    const watch = new SessionTerminationWatch({ watch: server.watch, log: quietLog });
    const first = watch.track('s');
    const second = watch.track('s');
    first.release();
    await new Promise((resolve) => setTimeout(resolve, 10));
    server.end('s', 'expired');
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(first.signal.aborted).toBe(false);
    expect(second.signal.aborted).toBe(true);
    watch.stop();
  });
});
