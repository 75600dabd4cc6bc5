import { describe, expect, it } from 'vitest';
import { NotFoundError } from '@postern/shared/errors';
import { dispatchBridgeCall } from './bridge-dispatch.ts';
import type { BridgeHandlers } from './bridge.ts';

const ids = { orgId: '0b1c5a52-3f0e-4c5e-9d0a-6f2f6f1e9a10', projectId: '1b1c5a52-3f0e-4c5e-9d0a-6f2f6f1e9a10', gatewayId: '2b1c5a52-3f0e-4c5e-9d0a-6f2f6f1e9a10' };

function recordingHandlers() {
  const calls: Array<[string, unknown]> = [];
  const handlers = new Proxy({} as BridgeHandlers, {
    get: (_target, method: string) => async (arg: unknown) => {
      calls.push([method, arg]);
      if (method === 'accounts.delete') throw new NotFoundError('account', (arg as { accountId: string }).accountId);
      if (method === 'catalog.gateways') throw new TypeError('socket hang up');
      return { method };
    },
  });
  return { handlers, calls };
}

describe('dispatchBridgeCall: the one entry point validates before any handler runs', () => {
  it('passes a valid argument through, with schema defaults applied', async () => {
    const { handlers, calls } = recordingHandlers();
    const reply = await dispatchBridgeCall(handlers, 'resources.createSsh', { projectId: ids.projectId, gatewayId: ids.gatewayId, name: ' web ', host: 'web.internal' });
    expect(reply).toEqual({ ok: true, value: { method: 'resources.createSsh' } });
    expect(calls).toEqual([['resources.createSsh', { projectId: ids.projectId, gatewayId: ids.gatewayId, name: 'web', host: 'web.internal', port: 22 }]]);
  });

  it.each([
    ['an unknown method', '__proto__', undefined, 'unknown_bridge_method'],
    ['a method name that is not a string', 42, undefined, 'unknown_bridge_method'],
    ['an argument to a method that takes none', 'session.signOut', { x: 1 }, 'validation_failed'],
    ['a missing argument', 'catalog.projects', undefined, 'validation_failed'],
    ['an extra field', 'catalog.projects', { orgId: ids.orgId, admin: true }, 'validation_failed'],
    ['an id that is not a UUID', 'accounts.delete', { accountId: '../../etc/passwd' }, 'validation_failed'],
    ['a gateway health ask without its org', 'catalog.gatewayHealth', { gatewayId: ids.gatewayId }, 'validation_failed'],
    ['a reachability check on a non-UUID resource', 'resources.checkReachability', { resourceId: 'web-1' }, 'validation_failed'],
    ['a reachability check with an extra field', 'resources.checkReachability', { resourceId: ids.gatewayId, host: '10.0.0.1' }, 'validation_failed'],
    ['a port out of range', 'resources.updateSsh', { resourceId: ids.orgId, changes: { port: 0 } }, 'validation_failed'],
  ])('refuses %s without calling a handler', async (_label, method, arg, code) => {
    const { handlers, calls } = recordingHandlers();
    const reply = await dispatchBridgeCall(handlers, method, arg);
    expect(reply.ok).toBe(false);
    expect(!reply.ok && reply.error.code).toBe(code);
    expect(calls).toEqual([]);
  });

  it('names the failing field the way the API does', async () => {
    const { handlers } = recordingHandlers();
    const reply = await dispatchBridgeCall(handlers, 'resources.updateSsh', { resourceId: ids.orgId, changes: { port: 70_000 } });
    expect(!reply.ok && reply.error.details?.issues).toEqual([expect.objectContaining({ path: 'changes.port', message: 'The port must be a whole number from 1 to 65535.' })]);
  });

  it('keeps a typed error\'s code, status and details, and hides nothing else about unexpected ones but the message', async () => {
    const { handlers } = recordingHandlers();
    const missing = await dispatchBridgeCall(handlers, 'accounts.delete', { accountId: ids.orgId });
    expect(missing).toEqual({ ok: false, status: 404, error: expect.objectContaining({ code: 'account_not_found', details: { kind: 'account', id: ids.orgId } }) });
    const unexpected = await dispatchBridgeCall(handlers, 'catalog.gateways', { orgId: ids.orgId });
    expect(unexpected).toEqual({ ok: false, status: 500, error: { code: 'internal_error', message: 'Something went wrong in the app: socket hang up' } });
  });
});
