/**
 * ssh2 (patched, patches/ssh2+1.17.0.patch) speaking OpenSSH certificates with the real OpenSSH,
 * in both directions:
 *  a) ssh2 Client → real sshd with a private key + user certificate (TrustedUserCAKeys);
 *  b) real ssh → ssh2 Server with `key` + `key-cert.pub`, checked by verifyCertificateAuthentication;
 *  c) ssh2 Server presenting a host certificate to the real ssh (@cert-authority) and to an ssh2
 *     Client whose hostVerifier checks it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Server, type ConnectConfig, type ServerConfig } from 'ssh2';
import type { AddressInfo } from 'node:net';
import { formatCertificateLine, signSshCertificate, type SshCertificate, type SshCertificateRequest } from '@postern/shared/ssh/certificate';
import { formatPublicKeyLine, generateEd25519KeyPair, type Ed25519KeyPair } from '@postern/shared/ssh/keys';
import { encodeOpenSshPrivateKey } from '@postern/shared/ssh/private-key';
import {
  hostCertificateVerifier, SSH2_FAST_CIPHERS, SSH2_HOST_CERT_ALGORITHMS_ONLY, ssh2HostKeyWithCertificate,
  ssh2UserCertificateAuth, verifyCertificateAuthentication,
} from '@postern/shared/ssh/ssh2-certificates';
import { runSsh, ssh2Run } from '../fixtures/ssh-client.ts';
import { scratchDir } from '../fixtures/ssh-keygen.ts';
import { startSshd, type RunningSshd } from '../fixtures/sshd.ts';

const userCa = generateEd25519KeyPair();
const hostCa = generateEd25519KeyPair();
const otherCa = generateEd25519KeyPair();
const dir = scratchDir();
const GATEWAY_ID = 'gw-7f3a';
let fileCount = 0;

function issue(certType: 'user' | 'host', subject: SshCertificateRequest['publicKey'], ca: Ed25519KeyPair, principals: string[], extra: Partial<SshCertificateRequest> = {}): SshCertificate {
  return signSshCertificate({
    certType, publicKey: subject, caPrivateKey: ca.privateKey, serial: 1n, keyId: 'org:acme', principals,
    validAfter: new Date(Date.now() - 60_000), validBefore: new Date(Date.now() + 600_000), ...extra,
  });
}

/** ssh2Run with AES-GCM first, as the relay and gateway configure it. */
const ssh2Exec = (config: ConnectConfig, command: string) =>
  ssh2Run({ ...config, algorithms: { cipher: [...SSH2_FAST_CIPHERS] as never, ...config.algorithms } }, command);

describe('a) ssh2 Client logs in to the real sshd with a user certificate', () => {
  let sshd: RunningSshd;
  beforeAll(async () => {
    sshd = await startSshd({ trustedUserCaKeys: [formatPublicKeyLine(userCa.publicKey)] });
  });
  afterAll(() => sshd?.close());

  it('runs a command as the certificate principal', async () => {
    const key = generateEd25519KeyPair();
    const cert = issue('user', key.publicKey, userCa, ['postern-test'], { keyId: 'session:s-42' });
    const output = await ssh2Exec({ host: sshd.host, port: sshd.port, username: sshd.user, ...ssh2UserCertificateAuth(key.privateKey, cert) }, 'id -un');
    expect(output.trim()).toBe('postern-test');
    await sshd.waitForLog(/Accepted publickey for postern-test .* ED25519-CERT .* ID session:s-42 \(serial 1\)/);
  });

  it('is refused when the certificate comes from a CA sshd does not trust', async () => {
    const key = generateEd25519KeyPair();
    const cert = issue('user', key.publicKey, otherCa, ['postern-test']);
    await expect(ssh2Exec({ host: sshd.host, port: sshd.port, username: sshd.user, ...ssh2UserCertificateAuth(key.privateKey, cert) }, 'true'))
      .rejects.toThrow(/All configured authentication methods failed/);
  });

  it('refuses to pair a certificate with a key it was not issued for', () => {
    const cert = issue('user', generateEd25519KeyPair().publicKey, userCa, ['postern-test']);
    expect(() => ssh2UserCertificateAuth(generateEd25519KeyPair().privateKey, cert)).toThrow(/different key/);
  });
});

/** An ssh2 Server that wants a user certificate from userCa for GATEWAY_ID and presents a host certificate. */
async function startCertServer(): Promise<{ server: Server; port: number; accepted: SshCertificate[]; refusals: Error[] }> {
  const hostKey = generateEd25519KeyPair();
  const hostCert = issue('host', hostKey.publicKey, hostCa, ['127.0.0.1', 'relay.test'], { keyId: 'relay-1' });
  const accepted: SshCertificate[] = [];
  const refusals: Error[] = [];
  const config: ServerConfig = { hostKeys: [ssh2HostKeyWithCertificate(hostKey.privateKey, hostCert)], algorithms: { cipher: [...SSH2_FAST_CIPHERS] as never } };
  const server = new Server(config, (connection, info) => {
    connection.on('authentication', (ctx) => {
      if (ctx.method !== 'publickey') return ctx.reject(['publickey']);
      try {
        const cert = verifyCertificateAuthentication(ctx, { caPublicKey: userCa.publicKey, principal: ctx.username, now: new Date(), clientAddress: info.ip });
        if (ctx.signature) accepted.push(cert);
        ctx.accept();
      } catch (error) {
        refusals.push(error as Error);
        ctx.reject(['publickey']);
      }
    });
    connection.on('ready', () => {
      connection.on('session', (acceptSession) => {
        acceptSession().on('exec', (acceptExec, _reject, info) => {
          const stream = acceptExec();
          stream.write(`hello ${accepted.at(-1)?.keyId} ran ${info.command}\n`);
          stream.exit(0);
          stream.end();
        });
      });
    });
    connection.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, accepted, refusals };
}

function identityFiles(key: Ed25519KeyPair, cert: SshCertificate | null): string {
  const name = `id_${fileCount++}`;
  const path = dir.write(name, encodeOpenSshPrivateKey(key.privateKey));
  if (cert) dir.write(`${name}-cert.pub`, `${formatCertificateLine(cert)}\n`, 0o644);
  return path;
}

describe('b) + c) ssh2 Server with the real ssh client', () => {
  let target: Awaited<ReturnType<typeof startCertServer>>;
  let knownHosts: string;
  beforeAll(async () => {
    target = await startCertServer();
    knownHosts = dir.write('known_hosts_ssh2', `@cert-authority [127.0.0.1]:${target.port} ${formatPublicKeyLine(hostCa.publicKey)}\n`);
  });
  afterAll(() => new Promise<void>((resolve) => target.server.close(() => resolve())));

  it('accepts `ssh -i key` with key-cert.pub beside it and exposes the verified certificate', async () => {
    const key = generateEd25519KeyPair();
    const sourceAddress = { 'source-address': '127.0.0.0/8,::1' };
    const identity = identityFiles(key, issue('user', key.publicKey, userCa, [GATEWAY_ID], { keyId: 'org:acme', criticalOptions: sourceAddress }));
    const result = await runSsh({ port: target.port, user: GATEWAY_ID, identity, knownHosts, command: 'tunnel' });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('hello org:acme ran tunnel');
    expect(target.accepted.at(-1)?.principals).toEqual([GATEWAY_ID]);
  });

  it.each([
    ['from another CA', (key: Ed25519KeyPair) => issue('user', key.publicKey, otherCa, [GATEWAY_ID]), /wrong_ca/],
    ['for another gateway', (key: Ed25519KeyPair) => issue('user', key.publicKey, userCa, ['gw-other']), /wrong_principal/],
    ['expired', (key: Ed25519KeyPair) => issue('user', key.publicKey, userCa, [GATEWAY_ID], { validAfter: new Date(Date.now() - 7_200_000), validBefore: new Date(Date.now() - 3_600_000) }), /expired/],
    ['without a certificate', () => null, /plain ssh-ed25519 key/],
    ['outside the source-address list', (key: Ed25519KeyPair) => issue('user', key.publicKey, userCa, [GATEWAY_ID], { criticalOptions: { 'source-address': '10.0.0.0/8' } }), /wrong_source_address/],
  ])('refuses a client %s', async (_name, makeCert, reason) => {
    const key = generateEd25519KeyPair();
    const before = target.refusals.length;
    const result = await runSsh({ port: target.port, user: GATEWAY_ID, identity: identityFiles(key, makeCert(key)), knownHosts, command: 'tunnel' });
    expect(result.code).toBe(255);
    expect(result.stderr).toMatch(/Permission denied/);
    const codes = target.refusals.slice(before).map((error) => `${(error as { code?: string }).code} ${error.message}`).join('\n');
    expect(codes).toMatch(reason);
  });

  it('c) the real ssh refuses the host certificate when known_hosts trusts another CA', async () => {
    const key = generateEd25519KeyPair();
    const identity = identityFiles(key, issue('user', key.publicKey, userCa, [GATEWAY_ID]));
    const otherKnownHosts = dir.write('known_hosts_other', `@cert-authority [127.0.0.1]:${target.port} ${formatPublicKeyLine(otherCa.publicKey)}\n`);
    const result = await runSsh({ port: target.port, user: GATEWAY_ID, identity, knownHosts: otherKnownHosts, command: 'tunnel' });
    expect(result.code).toBe(255);
    expect(result.stderr).toMatch(/Host key verification failed/);
  });

  it('c) an ssh2 Client accepts the host certificate through hostCertificateVerifier, and refuses another CA', async () => {
    const key = generateEd25519KeyPair();
    const auth = ssh2UserCertificateAuth(key.privateKey, issue('user', key.publicKey, userCa, [GATEWAY_ID]));
    const base: ConnectConfig = {
      host: '127.0.0.1', port: target.port, username: GATEWAY_ID, ...auth,
      algorithms: { serverHostKey: [...SSH2_HOST_CERT_ALGORITHMS_ONLY] as never },
    };
    const output = await ssh2Exec({ ...base, hostVerifier: hostCertificateVerifier({ caPublicKey: hostCa.publicKey, principal: 'relay.test' }) }, 'tunnel');
    expect(output.trim()).toBe('hello org:acme ran tunnel');
    const reasons: Error[] = [];
    await expect(ssh2Exec({ ...base, hostVerifier: hostCertificateVerifier({ caPublicKey: otherCa.publicKey, principal: 'relay.test', onReject: (e) => reasons.push(e) }) }, 'tunnel'))
      .rejects.toThrow(/verification failed/i);
    expect(reasons[0]).toMatchObject({ code: 'ssh_cert_wrong_ca' });
  });
});

describe('c) ssh2 Client checks a host certificate presented by the real sshd', () => {
  it('accepts the right CA and refuses a wrong host name', async () => {
    const sshd = await startSshd({
      trustedUserCaKeys: [formatPublicKeyLine(userCa.publicKey)],
      hostCert: (line) => formatCertificateLine(issue('host', line, hostCa, ['target.internal'])),
    });
    try {
      const key = generateEd25519KeyPair();
      const auth = ssh2UserCertificateAuth(key.privateKey, issue('user', key.publicKey, userCa, ['postern-test']));
      const base: ConnectConfig = { host: sshd.host, port: sshd.port, username: sshd.user, ...auth, algorithms: { serverHostKey: [...SSH2_HOST_CERT_ALGORITHMS_ONLY] as never } };
      const output = await ssh2Exec({ ...base, hostVerifier: hostCertificateVerifier({ caPublicKey: hostCa.publicKey, principal: 'target.internal' }) }, 'echo ok');
      expect(output.trim()).toBe('ok');
      await expect(ssh2Exec({ ...base, hostVerifier: hostCertificateVerifier({ caPublicKey: hostCa.publicKey, principal: 'elsewhere.internal' }) }, 'true'))
        .rejects.toThrow(/verification failed/i);
    } finally {
      await sshd.close();
    }
  });
});

afterAll(() => dir.remove());
