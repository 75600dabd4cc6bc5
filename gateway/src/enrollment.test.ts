import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { parseGatewayArguments } from './enrolled-main.ts';
import { EnrollmentRefusedError, type EnrollmentAnswer, type GatewayServerClient } from './enrollment-api.ts';
import { enrollmentRequestFor, loadOrCreateGatewayKeys } from './enrollment-state.ts';
import { scheduleRenewals, type EnrolledGatewayOptions } from './enrollment.ts';

const work = mkdtempSync(join(tmpdir(), 'postern-gw-enroll-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function answer(renewInMs: number): EnrollmentAnswer {
  const now = Date.now();
  return {
    gatewayId: 'g', orgId: 'o', relay: { id: 'r', name: 'r', gatewaySshAddress: '127.0.0.1:1', clientTlsAddress: '127.0.0.1:2' },
    sshCertificate: '', relaySshServerCaPublicKeys: [], tlsCertificate: '', gatewayServerCaCertificate: '', gatewayClientCaCertificates: [],
    issuedAt: new Date(now).toISOString(), expiresAt: new Date(now + 60_000).toISOString(), renewAfter: new Date(now + renewInMs).toISOString(),
  };
}

function fakeClient(outcomes: Array<EnrollmentAnswer | Error>, calls: string[]): GatewayServerClient {
  return {
    serverUrl: 'http://server.test',
    accessToken: async () => 'token',
    reportPresence: async () => undefined,
    enroll: async (mode) => {
      calls.push(mode);
      const next = outcomes.shift();
      if (!next) throw new Error('no more outcomes');
      if (next instanceof Error) throw next;
      return next;
    },
  };
}

function options(client: GatewayServerClient, dir: string): EnrolledGatewayOptions {
  return { client, dataDir: join(work, dir), tuning: {} as EnrolledGatewayOptions['tuning'], log: pino({ level: 'silent' }) };
}

describe('gateway enrollment', () => {
  it('makes its keys locally (0600) and sends only public halves', () => {
    const keys = loadOrCreateGatewayKeys(join(work, 'keys'));
    for (const file of ['ssh_key', 'tls_key.pem']) expect(statSync(join(work, 'keys', file)).mode & 0o777).toBe(0o600);
    const body = enrollmentRequestFor(keys);
    expect(body.sshPublicKey).toMatch(/^ssh-ed25519 /);
    expect(body.csr).toMatch(/BEGIN CERTIFICATE REQUEST/);
    expect(JSON.stringify(body)).not.toMatch(/PRIVATE KEY/);
    expect(loadOrCreateGatewayKeys(join(work, 'keys'))).toEqual(keys);
  });

  it('renews at renewAfter, retries a failed renewal, re-enrolls an unknown enrollment, stops when revoked', async () => {
    const calls: string[] = [];
    const client = fakeClient([
      answer(20), new Error('server down'), new EnrollmentRefusedError('gateway_not_enrolled', 409, 'enroll first'), answer(20),
      new EnrollmentRefusedError('gateway_revoked', 403, 'revoked by an admin'),
    ], calls);
    const opts = options(client, 'renew');
    const keys = loadOrCreateGatewayKeys(opts.dataDir);
    const renewed: EnrollmentAnswer[] = [];
    const revoked = await new Promise<EnrollmentRefusedError>((resolve) => {
      scheduleRenewals(opts, keys, answer(10), { onRenewed: (a) => renewed.push(a), onRevoked: resolve });
    });
    expect(revoked.code).toBe('gateway_revoked');
    expect(renewed).toHaveLength(2);
    expect(calls).toEqual(['renew', 'renew', 'renew', 'enroll', 'renew']);
  }, 15_000);

  it('stop() cancels the pending renewal', async () => {
    const calls: string[] = [];
    const opts = options(fakeClient([answer(1000)], calls), 'stop');
    const schedule = scheduleRenewals(opts, loadOrCreateGatewayKeys(opts.dataDir), answer(30), { onRenewed: () => undefined, onRevoked: () => undefined });
    schedule.stop();
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(calls).toEqual([]);
  });
});

describe('postern-gateway arguments', () => {
  it('enrolled mode from flags or environment; environment mode without --server; clear errors otherwise', () => {
    expect(parseGatewayArguments(['--server', 'https://p.example', '--token', 'id:secret'], {})).toEqual({
      kind: 'enrolled', options: { serverUrl: 'https://p.example', token: 'id:secret', dataDir: './.postern-gateway', gatewayId: undefined },
    });
    expect(parseGatewayArguments([], { POSTERN_GATEWAY_SERVER_URL: 'http://s', POSTERN_GATEWAY_TOKEN: 't', POSTERN_GATEWAY_DATA_DIR: '/d' }))
      .toMatchObject({ kind: 'enrolled', options: { serverUrl: 'http://s', token: 't', dataDir: '/d' } });
    expect(parseGatewayArguments([], {})).toEqual({ kind: 'environment' });
    expect(parseGatewayArguments(['--server', 'https://p'], {})).toMatchObject({ kind: 'invalid', message: expect.stringMatching(/--token/) });
    expect(parseGatewayArguments(['--token', 'x'], {})).toMatchObject({ kind: 'invalid', message: expect.stringMatching(/--server is required/) });
    expect(parseGatewayArguments(['--server', 'ftp://p', '--token', 'x'], {})).toMatchObject({ kind: 'invalid', message: expect.stringMatching(/http/) });
    expect(parseGatewayArguments(['--bogus', '1'], {})).toMatchObject({ kind: 'invalid', message: expect.stringMatching(/unexpected argument --bogus/) });
  });
});
