import { describe, expect, it } from 'vitest';
import { PosternError } from '@postern/shared/errors';
import { createBridgeClient } from './bridge-client.ts';
import type { BridgeEvents, RawBridge } from './bridge.ts';

describe('createBridgeClient', () => {
  it('resolves values, rebuilds typed errors, and passes subscriptions with their cleanup', async () => {
    const listeners = new Set<(payload: BridgeEvents['session.changed']) => void>();
    const raw: RawBridge = {
      invoke: async (method) => (method === 'session.current'
        ? { ok: true, value: null }
        : { ok: false, status: 422, error: { code: 'gateway_not_found', message: 'No gateway', details: { id: 'x' } } }),
      on: (_event, listener) => { listeners.add(listener as never); return () => listeners.delete(listener as never); },
    };
    const bridge = createBridgeClient(raw);
    expect(await bridge.call('session.current')).toBeNull();
    const failure = await bridge.call('accounts.delete', { accountId: 'x' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(PosternError);
    expect(failure).toMatchObject({ code: 'gateway_not_found', status: 422, details: { id: 'x' } });
    const seen: boolean[] = [];
    const off = bridge.on('session.changed', ({ signedIn }) => seen.push(signedIn));
    for (const listener of listeners) listener({ signedIn: false });
    off();
    expect(listeners.size).toBe(0);
    expect(seen).toEqual([false]);
  });
});
