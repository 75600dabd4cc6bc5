import { describe, expect, it } from 'vitest';
import type { GatewayHealth, ReachabilityCheck } from '../../common/api-types.ts';
import { gatewayHealthView, gatewayOptionLabel, reachabilityView, sshKeyFingerprint } from './reachability.ts';

const gatewayId = '1b1c5a52-3f0e-4c5e-9d0a-6f2f6f1e9a10';
const health = (status: GatewayHealth['status'], latencyMs: number | null = null): GatewayHealth => ({ gatewayId, status, latencyMs, lastSeenAt: null, error: null });
const check = (changes: Partial<ReachabilityCheck>): ReachabilityCheck => ({
  ok: true, gatewayId, target: { host: 'web-1.internal', port: 22 }, latencyMs: 3.21, error: null, sshHostKeys: null, hostKeyChanged: false, ...changes,
});

describe('gateway health in the picker', () => {
  it.each([
    [undefined, 'unknown', 'checking…'],
    [null, 'unknown', 'health unknown'],
    [health('connected', 2.345), 'ok', 'connected · 2.3 ms'],
    [health('connected', 41.6), 'ok', 'connected · 42 ms'],
    [health('connected'), 'ok', 'connected'],
    [health('unreachable'), 'offline', 'offline'],
    [health('not_enrolled'), 'offline', 'offline · not enrolled'],
    [health('revoked'), 'offline', 'revoked'],
  ] as const)('%j is %s: %s', (input, tone, text) => {
    expect(gatewayHealthView(input)).toEqual({ tone, text });
  });

  it('puts the health beside the name in the option text', () => {
    expect(gatewayOptionLabel({ id: gatewayId, orgId: gatewayId, name: 'edge-us-1', description: '' }, health('unreachable'))).toBe('edge-us-1 — offline');
  });
});

describe('reachability check result', () => {
  it('names the target and the gateway\'s error when it failed', () => {
    expect(reachabilityView(check({ ok: false, latencyMs: null, error: 'gateway is not connected to a relay' }))).toEqual({
      ok: false, headline: 'The gateway could not reach web-1.internal:22', detail: 'gateway is not connected to a relay',
    });
    expect(reachabilityView(check({ ok: false, error: null })).detail).toBe('No reason was given.');
  });

  it('gives the latency, and says when an SSH host key is pinned or changed', () => {
    expect(reachabilityView(check({}))).toEqual({ ok: true, headline: 'Reachable: web-1.internal:22 in 3.2 ms', detail: 'The gateway opened a TCP connection to it.' });
    expect(reachabilityView(check({ sshHostKeys: ['ssh-ed25519 AAAA'] })).detail).toMatch(/only this host key/);
    expect(reachabilityView(check({ sshHostKeys: ['ssh-ed25519 AAAA'], hostKeyChanged: true })).detail).toMatch(/host key changed/);
  });

  it('fingerprints a host key the way ssh-keygen -l does', async () => {
    // `ssh-keygen -lf` printed SHA256:Meq5vkdT6oxFCHQPB9ke76Zm4Nu0snUJxSTQSpRb/wc for this key.
    const line = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEHBKfEKN7L3mQfxzsKL5KIjLCjK/zo8nvZAiXJxM0RA x';
    expect(await sshKeyFingerprint(line)).toBe('ssh-ed25519 SHA256:Meq5vkdT6oxFCHQPB9ke76Zm4Nu0snUJxSTQSpRb/wc');
    expect(await sshKeyFingerprint('garbage')).toBe('garbage');
  });
});
