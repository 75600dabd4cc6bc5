/**
 * Test support only: a PKI world with an SSH and a Kubernetes resource in org A (and one in org
 * B), sessions opened by the project member, and chunks sealed the way the gateway seals them.
 */
import { sealChunk } from '@postern/shared/recording/chunk';
import { encodeRecords, type RecordingRecord } from '@postern/shared/recording/records';
import type { TestServer } from '../../test/harness.ts';
import { kubernetesResourceInput, sshResourceInput } from '../../test/pam-fixtures.ts';
import { makeRequesterKeys, seedPkiWorld, type PkiWorld } from '../../services/pki/pki-world.test-support.ts';

export const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

export interface RecordingWorld extends PkiWorld {
  sshAccount: string;
  sshResource: string;
  k8sAccount: string;
  k8sResource: string;
  accountB: string;
}

export async function seedRecordingWorld(server: TestServer): Promise<RecordingWorld> {
  const world = await seedPkiWorld(server);
  const admin = world.users.admin.token;
  const sshResource = (await server.post('/api/v1/pam/resources/ssh', sshResourceInput(world), admin)).body.id;
  const sshAccount = (await server.post('/api/v1/pam/accounts', { resourceId: sshResource, name: 'root', credential: { type: 'ssh-password', username: 'root', password: 'pw-rec-1' } }, admin)).body.id;
  const k8sResource = (await server.post('/api/v1/pam/resources/kubernetes', kubernetesResourceInput(world), admin)).body.id;
  const k8sAccount = (await server.post('/api/v1/pam/accounts', { resourceId: k8sResource, name: 'viewer', credential: { type: 'kubernetes-token', token: 'tok-rec-1' } }, admin)).body.id;
  const resourceB = (await server.post('/api/v1/pam/resources/ssh', { ...sshResourceInput(world), projectId: world.b.project.id, gatewayId: world.b.gateway.id }, world.b.owner.token)).body.id;
  const accountB = (await server.post('/api/v1/pam/accounts', { resourceId: resourceB, name: 'pw', credential: { type: 'ssh-password', username: 'root', password: 'pw-rec-2' } }, world.b.owner.token)).body.id;
  if (!sshAccount || !k8sAccount || !accountB) throw new Error(`recording world: an account was not created (${[sshResource, sshAccount, k8sResource, k8sAccount, resourceB, accountB].join(' ')})`);
  return { ...world, sshAccount, sshResource, k8sAccount, k8sResource, accountB };
}

const client = makeRequesterKeys('client');

export async function openSession(server: TestServer, accountId: string, token: string, durationSeconds = 600): Promise<string> {
  const res = await server.post('/api/v1/pam/sessions', { accountId, durationSeconds, csr: client.csr }, token);
  if (res.status !== 201) throw new Error(`session not created: ${res.status} ${res.text}`);
  return res.body.sessionId;
}

export async function fetchKey(server: TestServer, sessionId: string, token: string): Promise<Buffer> {
  const res = await server.post(`/api/v1/pam/sessions/${sessionId}/recording/key`, {}, token);
  if (res.status !== 200) throw new Error(`no recording key: ${res.status} ${res.text}`);
  return Buffer.from(res.body.key, 'base64url');
}

export function putChunk(server: TestServer, sessionId: string, index: number, body: Uint8Array, token: string, sha256?: string) {
  return server.request('PUT', `/api/v1/pam/sessions/${sessionId}/recording/chunks/${index}`, {
    token, rawBody: body, headers: { 'content-type': 'application/octet-stream', ...(sha256 ? { 'x-postern-chunk-sha256': sha256 } : {}) },
  });
}

export function sealRecords(key: Buffer, sessionId: string, index: number, records: RecordingRecord[], final = false): Buffer {
  return sealChunk(key, sessionId, { index, final }, encodeRecords(records));
}

const bytes = (text: string) => new TextEncoder().encode(text);

/** A shell (terminal 1) and an exec (terminal 2) over two chunks: what a short SSH session records. */
export function sshSessionChunks(t0: number): RecordingRecord[][] {
  return [
    [
      { kind: 'open', terminal: 1, at: t0, start: { cols: 80, rows: 24, term: 'xterm-256color' } },
      { kind: 'output', terminal: 1, at: t0 + 100, data: bytes('$ ') },
      { kind: 'input', terminal: 1, at: t0 + 600, data: bytes('echo secret-output-marker\r') },
      { kind: 'output', terminal: 1, at: t0 + 700, data: bytes('echo secret-output-marker\r\nsecret-output-marker\r\n$ ') },
    ],
    [
      { kind: 'resize', terminal: 1, at: t0 + 800, cols: 100, rows: 30 },
      { kind: 'open', terminal: 2, at: t0 + 900, start: { cols: 80, rows: 24, command: 'uptime' } },
      { kind: 'output', terminal: 2, at: t0 + 950, data: bytes('up 3 days\n') },
      { kind: 'close', terminal: 2, at: t0 + 960, exitCode: 0 },
      { kind: 'event', terminal: 0, at: t0 + 960, event: { type: 'ssh.exec', command: 'uptime', exitCode: 0 } },
      { kind: 'output', terminal: 1, at: t0 + 1_500, data: bytes('logout\r\n') },
      { kind: 'close', terminal: 1, at: t0 + 1_600, exitCode: 3 },
    ],
  ];
}
