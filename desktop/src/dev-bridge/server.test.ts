import { request } from 'node:http';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BridgeHandlers } from '../common/bridge.ts';
import { CONTENT_SECURITY_POLICY } from '../main/security.ts';
import { startDevBridge, type DevBridge } from './server.ts';

const handlers = new Proxy({} as BridgeHandlers, { get: (_target, method: string) => async (arg: unknown) => ({ method, arg }) });

/** A raw GET, so the path reaches the server exactly as written (fetch would normalize `..`). */
function rawGet(url: string, path: string): Promise<{ status: number; body: string; csp: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method: 'GET', path }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk) => { body += chunk; }).on('end', () => resolve({ status: res.statusCode ?? 0, body, csp: res.headers['content-security-policy'] as string | undefined }));
    });
    req.on('error', reject).end();
  });
}

describe('dev bridge server', () => {
  let dir: string;
  let bridge: DevBridge;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'postern-devbridge-'));
    await mkdir(join(dir, 'renderer', 'assets'), { recursive: true });
    await writeFile(join(dir, 'renderer', 'index.html'), '<!doctype html><title>app</title>');
    await writeFile(join(dir, 'secret.txt'), 'outside the renderer');
    bridge = await startDevBridge({ rendererDir: join(dir, 'renderer'), handlers });
  });
  afterAll(async () => {
    await bridge?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the renderer with the app CSP, on loopback only', async () => {
    expect(bridge.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const index = await rawGet(bridge.url, '/');
    expect(index).toMatchObject({ status: 200, body: '<!doctype html><title>app</title>', csp: CONTENT_SECURITY_POLICY });
  });

  it.each(['/../secret.txt', '/%2e%2e/secret.txt', '/assets/../../secret.txt', '/nope.js'])('answers 404 for %s', async (path) => {
    const answer = await rawGet(bridge.url, path);
    expect(answer.status).toBe(404);
    expect(answer.body).not.toContain('outside the renderer');
  });

  it('dispatches calls through the validating entry point', async () => {
    const call = (body: unknown) => fetch(`${bridge.url}/bridge/call`, { method: 'POST', body: JSON.stringify(body) }).then((r) => r.json());
    expect(await call({ method: 'catalog.projects', arg: { orgId: '0b1c5a52-3f0e-4c5e-9d0a-6f2f6f1e9a10' } }))
      .toEqual({ ok: true, value: { method: 'catalog.projects', arg: { orgId: '0b1c5a52-3f0e-4c5e-9d0a-6f2f6f1e9a10' } } });
    expect(await call({ method: 'catalog.projects', arg: { orgId: 'x' } })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect(await call({ method: 'constructor' })).toMatchObject({ ok: false, error: { code: 'unknown_bridge_method' } });
  });

  it('pushes events to connected pages', async () => {
    const socket = new WebSocket(`${bridge.url.replace('http', 'ws')}/bridge/events`);
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const received = new Promise<string>((resolve) => socket.once('message', (data) => resolve(String(data))));
    bridge.emit('session.changed', { signedIn: false });
    expect(JSON.parse(await received)).toEqual({ event: 'session.changed', payload: { signedIn: false } });
    socket.close();
  });
});
