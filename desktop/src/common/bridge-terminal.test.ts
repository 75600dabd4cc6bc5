import { describe, expect, it } from 'vitest';
import { ValidationError } from '@postern/shared/errors';
import { dispatchBridgeCall } from './bridge-dispatch.ts';
import type { BridgeHandlers } from './bridge.ts';

/** Validation of the Connect, terminal and playback methods at the one entry point. */

const calls: Array<[string, unknown]> = [];
const handlers = new Proxy({}, {
  get: (_target, method: string) => async (arg: unknown) => { calls.push([method, arg]); return undefined; },
}) as BridgeHandlers;
const uuid = '0b1c5a52-3f0e-4c5e-9d0a-6f2f6f1e9a10';
const connect = { projectId: uuid, resource: 'web-1', account: 'ops', durationSeconds: 3600, cols: 120, rows: 30 };

async function refused(method: string, arg: unknown): Promise<Record<string, unknown>> {
  const reply = await dispatchBridgeCall(handlers, method, arg);
  if (reply.ok) throw new Error(`${method} accepted ${JSON.stringify(arg)}`);
  expect(reply.status).toBe(400);
  return reply.error.details ?? {};
}

describe('terminal and playback bridge methods', () => {
  it('pass valid arguments through to the handler', async () => {
    calls.length = 0;
    for (const [method, arg] of [
      ['terminal.openSsh', connect],
      ['terminal.input', { tabId: 't1', data: 'echo hi\r' }],
      ['terminal.resize', { tabId: 't1', cols: 80, rows: 24 }],
      ['kubernetes.connect', connect],
      ['recordings.list', { orgId: uuid, type: 'ssh', from: '2026-01-01T00:00:00.000Z' }],
      ['recordings.list', { orgId: uuid, before: '2026-01-01T00:00:00.000Z', beforeId: uuid, limit: 200 }],
      ['recordings.asciicast', { sessionId: uuid, terminal: 0 }],
    ] as const) {
      expect(await dispatchBridgeCall(handlers, method, arg)).toEqual({ ok: true, value: undefined });
    }
    expect(calls.map(([method]) => method)).toEqual(['terminal.openSsh', 'terminal.input', 'terminal.resize', 'kubernetes.connect', 'recordings.list', 'recordings.list', 'recordings.asciicast']);
  });

  it('refuses bad sizes, empty or oversized input, unknown fields, bad ids and times before any handler runs', async () => {
    calls.length = 0;
    await refused('terminal.openSsh', { ...connect, cols: 0 });
    await refused('terminal.openSsh', { ...connect, durationSeconds: 30 });
    await refused('terminal.openSsh', { ...connect, extra: true });
    await refused('terminal.input', { tabId: 't1', data: '' });
    await refused('terminal.input', { tabId: 't1', data: 'x'.repeat(256 * 1024 + 1) });
    await refused('terminal.resize', { tabId: 't1', cols: 80, rows: 100_000 });
    await refused('recordings.list', { orgId: 'not-a-uuid' });
    await refused('recordings.list', { orgId: uuid, from: 'yesterday' });
    await refused('recordings.list', { orgId: uuid, before: '2026-01-01T00:00:00.000Z', beforeId: 'last-row' });
    await refused('recordings.list', { orgId: uuid, limit: 0 });
    await refused('recordings.list', { orgId: uuid, limit: 201 });
    await refused('recordings.asciicast', { sessionId: uuid, terminal: -1 });
    await refused('kubernetes.disconnect', {});
    expect(calls).toEqual([]);
  });

  it('names the field that is wrong', async () => {
    const reply = await dispatchBridgeCall(handlers, 'terminal.resize', { tabId: 't1', cols: 'wide', rows: 24 });
    expect(reply.ok).toBe(false);
    expect(JSON.stringify(reply)).toContain('cols');
    expect(new ValidationError('x').status).toBe(400);
  });
});
