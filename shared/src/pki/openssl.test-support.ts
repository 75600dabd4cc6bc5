/**
 * Test support only (imported by *.test.ts, never by library code): runs the real `openssl`
 * CLI against our certificates, and builds the CA set of one org.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCertificateAuthority, type CertificateAuthority } from './ca.ts';
import { createCertificateSigningRequest } from './csr.ts';
import { exportPrivateKeyPem, generatePkiKeyPair } from './keys.ts';

export interface OpensslResult {
  ok: boolean;
  output: string;
}

function withFiles<T>(files: Record<string, string>, run: (paths: Record<string, string>) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'postern-pki-'));
  try {
    const paths: Record<string, string> = {};
    for (const [name, text] of Object.entries(files)) {
      paths[name] = join(dir, name);
      writeFileSync(paths[name], text);
    }
    return run(paths);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function runOpenssl(args: string[], input?: string): OpensslResult {
  try {
    const output = execFileSync('openssl', args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], timeout: 10_000 });
    return { ok: true, output };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** `openssl verify -x509_strict [-purpose <purpose>] [-attime <at>]` of `leafPem` against `caPem` alone. */
export function opensslVerify(caPem: string, leafPem: string, purpose: 'sslserver' | 'sslclient' | 'any', at?: Date): OpensslResult {
  return withFiles({ 'ca.pem': caPem, 'leaf.pem': leafPem }, (p) => runOpenssl([
    'verify', '-x509_strict', '-CAfile', p['ca.pem']!, ...(purpose === 'any' ? [] : ['-purpose', purpose]),
    ...(at ? ['-attime', String(Math.floor(at.getTime() / 1000))] : []), p['leaf.pem']!,
  ]));
}

export function opensslVerifyCsr(csrPem: string): OpensslResult {
  return runOpenssl(['req', '-verify', '-noout'], csrPem);
}

/** A CSR made by OpenSSL itself for a fresh key on `curve` (or RSA-2048 when curve is 'rsa'). */
export function opensslMakeCsr(curve: 'prime256v1' | 'secp384r1' | 'rsa'): string {
  const keyArgs = curve === 'rsa' ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', `ec_paramgen_curve:${curve}`];
  const result = runOpenssl(['req', '-new', ...keyArgs, '-nodes', '-keyout', '/dev/null', '-subj', '/CN=openssl-made']);
  if (!result.ok) throw new Error(`openssl req failed: ${result.output}`);
  return result.output;
}

/** A CSR whose SubjectPublicKeyInfo carries a compressed P-256 point (legal, but not what we issue). */
export function opensslMakeCompressedPointCsr(): string {
  const key = runOpenssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout']);
  const compressed = runOpenssl(['ec', '-conv_form', 'compressed'], key.output);
  const csr = withFiles({ 'key.pem': compressed.output }, (p) => runOpenssl(['req', '-new', '-key', p['key.pem']!, '-subj', '/CN=compressed']));
  if (!csr.ok) throw new Error(`openssl req failed: ${csr.output}`);
  return csr.output;
}

export interface OrgPki {
  orgId: string;
  gatewayServerCa: CertificateAuthority;
  gatewayClientCa: CertificateAuthority;
  relayServerCa: CertificateAuthority;
  relayClientCa: CertificateAuthority;
}

export function makeOrgPki(orgId: string, now = new Date()): OrgPki {
  const ca = (kind: CertificateAuthority['kind']) => createCertificateAuthority({ kind, orgId, now }).authority;
  return {
    orgId,
    gatewayServerCa: ca('gateway-server'),
    gatewayClientCa: ca('gateway-client'),
    relayServerCa: ca('relay-server'),
    relayClientCa: ca('relay-client'),
  };
}

/** A requester's side: a fresh key pair, its PEM private key (for node:tls) and its CSR. */
export function makeRequester(name = 'requester'): { keyPem: string; csr: string } {
  const keys = generatePkiKeyPair();
  return { keyPem: exportPrivateKeyPem(keys.privateKey), csr: createCertificateSigningRequest(keys, name) };
}
