/**
 * Test support only (imported by *.test.ts): an org world with enrolled relays and gateways, key
 * material made the way a gateway or client makes it, and the independent verifiers (`openssl`,
 * `ssh-keygen -L`) every issued certificate is checked with.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { createCertificateSigningRequest, exportPrivateKeyPem, generatePkiKeyPair } from '@postern/shared/pki/index';
import { encodeOpenSshPrivateKey } from '@postern/shared/ssh/private-key';
import { formatPublicKeyLine, generateEd25519KeyPair } from '@postern/shared/ssh/keys';
import { gateways } from '../../db/schema/index.ts';
import type { TestServer } from '../../test/harness.ts';
import type { SeededMachineIdentity } from '../../test/seed.ts';
import { seedPamWorld, type PamWorld } from '../../test/pam-fixtures.ts';

export const RELAY_TOKEN = 'relay-enrollment-token-0123456789abcdef-never-shown';
export const PKI_ENV = { POSTERN_RELAY_ENROLLMENT_TOKEN: RELAY_TOKEN };

/** What a gateway, relay or client makes for itself before it asks for certificates. */
export interface RequesterKeys {
  sshPublicKey: string;
  sshPrivateKeyOpenSsh: string;
  tlsKeyPem: string;
  csr: string;
}

export function makeRequesterKeys(name = 'requester'): RequesterKeys {
  const ssh = generateEd25519KeyPair();
  const tls = generatePkiKeyPair();
  return {
    sshPublicKey: formatPublicKeyLine(ssh.publicKey, name),
    sshPrivateKeyOpenSsh: encodeOpenSshPrivateKey(ssh.privateKey, name),
    tlsKeyPem: exportPrivateKeyPem(tls.privateKey),
    csr: createCertificateSigningRequest(tls, name),
  };
}

/** A PamWorld whose gateways have machine identities, with the managed relay enrolled. */
export interface PkiWorld extends PamWorld {
  gatewayIdentityA: SeededMachineIdentity;
  gatewayIdentityB: SeededMachineIdentity;
  /** The managed relay's enrollment answer. */
  relay: any;
}

export async function bindGatewayIdentity(server: TestServer, orgId: string, gatewayId: string): Promise<SeededMachineIdentity> {
  const identity = await server.seedMachineIdentity({ orgId });
  await server.db.update(gateways).set({ machineIdentityId: identity.identity.id }).where(eq(gateways.id, gatewayId));
  return identity;
}

export async function enrollManagedRelay(server: TestServer, name = 'managed-1', keys = makeRequesterKeys('relay')) {
  const res = await server.post('/api/v1/relays/enroll', { name, sshHostPublicKey: keys.sshPublicKey, csr: keys.csr, clientTlsAddress: '127.0.0.1:8443', gatewaySshAddress: 'relay.postern.test:8022' }, RELAY_TOKEN);
  if (res.status !== 200) throw new Error(`relay enrollment failed: ${res.status} ${res.text}`);
  return res.body;
}

export async function seedPkiWorld(server: TestServer, options: { enrollGateways?: boolean } = {}): Promise<PkiWorld> {
  const world = await seedPamWorld(server);
  const relay = await enrollManagedRelay(server);
  const gatewayIdentityA = await bindGatewayIdentity(server, world.a.org.id, world.a.gateway.id);
  const gatewayIdentityB = await bindGatewayIdentity(server, world.b.org.id, world.b.gateway.id);
  if (options.enrollGateways !== false) {
    for (const identity of [gatewayIdentityA, gatewayIdentityB]) {
      const keys = makeRequesterKeys('gateway');
      const res = await server.post('/api/v1/gateways/enroll', { sshPublicKey: keys.sshPublicKey, csr: keys.csr }, identity.token);
      if (res.status !== 200) throw new Error(`gateway enrollment failed: ${res.status} ${res.text}`);
    }
  }
  return { ...world, gatewayIdentityA, gatewayIdentityB, relay };
}

export function withTempFiles<T>(files: Record<string, string>, run: (paths: Record<string, string>, dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'postern-pki-test-'));
  try {
    const paths: Record<string, string> = {};
    for (const [name, text] of Object.entries(files)) {
      paths[name] = join(dir, name);
      writeFileSync(paths[name], text, { mode: 0o600 });
    }
    return run(paths, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `ssh-keygen -L` of a certificate line: OpenSSH's own reading of what we issued. */
export function sshKeygenList(certificateLine: string): string {
  return withTempFiles({ 'id-cert.pub': `${certificateLine}\n` }, (p) => execFileSync('ssh-keygen', ['-L', '-f', p['id-cert.pub']!], { encoding: 'utf8', timeout: 10_000 }));
}

/** `openssl x509 -text` of a PEM certificate. */
export function opensslText(pem: string): string {
  return execFileSync('openssl', ['x509', '-noout', '-text'], { input: pem, encoding: 'utf8', timeout: 10_000 });
}

/** Flips one bit inside a PEM certificate's signed part (well past the header), keeping it parseable as base64. */
export function tamperPem(pem: string): string {
  const lines = pem.trim().split('\n');
  const body = Buffer.from(lines.slice(1, -1).join(''), 'base64');
  body[Math.floor(body.length / 2)]! ^= 0x01;
  const b64 = body.toString('base64').match(/.{1,64}/g)!.join('\n');
  return `${lines[0]}\n${b64}\n${lines.at(-1)}\n`;
}

export type RefusalCase = [label: string, send: () => Promise<{ status: number; body: any }>, status: number, code: string];

/** One test per case: the request gets its documented status and error code, and no table changes. */
export function itRefusesWithoutChange(server: () => TestServer, cases: RefusalCase[]): void {
  it.each(cases)('%s', async (_label, send, status, code) => {
    const before = await server().tableCounts();
    const response = await send();
    expect(response.status).toBe(status);
    expect(response.body.error.code).toBe(code);
    expect(await server().tableCounts()).toEqual(before);
  });
}
