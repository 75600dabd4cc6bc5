/**
 * What an enrolled gateway keeps in its data folder, and the keys it makes for itself. The
 * private keys are generated here and never leave the machine (the server only sees the public
 * halves); they are written 0600. Certificates and the server's answer go to
 * `enrollment.json`, so a restart with unexpired certificates needs no call to the server.
 * Files are written aside and renamed into place: a crash mid-write leaves the old state.
 */
import { createPublicKey } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCertificateSigningRequest, exportPrivateKeyPem, generatePkiKeyPair, importPrivateKey } from '@postern/shared/pki/index';
import { formatPublicKeyLine, generateEd25519KeyPair } from '@postern/shared/ssh/keys';
import { encodeOpenSshPrivateKey } from '@postern/shared/ssh/private-key';
import { readSshPrivateKey } from '@postern/shared/relay/ssh-key-material';
import { zEnrollmentAnswer, type EnrollmentAnswer, type EnrollmentRequestBody } from './enrollment-api.ts';

export interface GatewayKeys {
  /** OpenSSH private key for the relay login. */
  sshPrivateKey: string;
  /** PKCS#8 PEM private key of the inner TLS server certificate (P-256). */
  tlsKey: string;
}

const FILES = { sshKey: 'ssh_key', tlsKey: 'tls_key.pem', enrollment: 'enrollment.json' } as const;

export function loadOrCreateGatewayKeys(dataDir: string): GatewayKeys {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const sshPath = join(dataDir, FILES.sshKey);
  const tlsPath = join(dataDir, FILES.tlsKey);
  if (!existsSync(sshPath)) writePrivate(sshPath, encodeOpenSshPrivateKey(generateEd25519KeyPair().privateKey, 'postern-gateway'));
  if (!existsSync(tlsPath)) writePrivate(tlsPath, exportPrivateKeyPem(generatePkiKeyPair().privateKey));
  return { sshPrivateKey: readFileSync(sshPath, 'utf8'), tlsKey: readFileSync(tlsPath, 'utf8') };
}

/** The public halves the server signs: an SSH public key line and a CSR over the TLS key. */
export function enrollmentRequestFor(keys: GatewayKeys, gatewayId?: string): EnrollmentRequestBody {
  const tlsPrivate = importPrivateKey(keys.tlsKey);
  const tlsPair = { privateKey: tlsPrivate, publicKey: createPublicKey(tlsPrivate) };
  return {
    sshPublicKey: formatPublicKeyLine(createPublicKey(readSshPrivateKey(keys.sshPrivateKey)), 'postern-gateway'),
    csr: createCertificateSigningRequest(tlsPair, 'postern-gateway'),
    ...(gatewayId ? { gatewayId } : {}),
  };
}

export function readEnrollment(dataDir: string): EnrollmentAnswer | undefined {
  const path = join(dataDir, FILES.enrollment);
  if (!existsSync(path)) return undefined;
  return zEnrollmentAnswer.parse(JSON.parse(readFileSync(path, 'utf8')));
}

export function writeEnrollment(dataDir: string, answer: EnrollmentAnswer): void {
  writeAtomic(join(dataDir, FILES.enrollment), `${JSON.stringify(answer, null, 2)}\n`, 0o600);
}

function writePrivate(path: string, text: string): void {
  writeAtomic(path, text, 0o600);
}

function writeAtomic(path: string, text: string, mode: number): void {
  const aside = `${path}.${process.pid}.tmp`;
  writeFileSync(aside, text, { mode });
  renameSync(aside, path);
}
