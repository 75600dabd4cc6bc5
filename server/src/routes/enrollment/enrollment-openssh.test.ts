import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatPublicKeyLine, generateEd25519KeyPair } from '@postern/shared/ssh/keys';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { seedPamWorld, type PamWorld } from '../../test/pam-fixtures.ts';
import { PKI_ENV, RELAY_TOKEN, bindGatewayIdentity, makeRequesterKeys } from '../../services/pki/pki-world.test-support.ts';
import { startSshd, type RunningSshd } from '../../../../test/fixtures/sshd.ts';
import { runSsh } from '../../../../test/fixtures/ssh-client.ts';

/**
 * The enrollment certificates against real OpenSSH: an sshd standing in for the relay presents
 * the relay's host certificate and trusts the Relay SSH Client CA; the real ssh client, as the
 * gateway, checks the host certificate with the CA from its own enrollment and logs in with its
 * relay user certificate (principal = gateway id, accepted through AuthorizedPrincipalsFile).
 */
describe('enrollment certificates accepted by real OpenSSH (ssh ↔ sshd)', () => {
  let server: TestServer;
  let world: PamWorld;
  let sshd: RunningSshd;
  let relay: any;
  let dir: string;
  const gateways: Record<'a' | 'b', { keys: ReturnType<typeof makeRequesterKeys>; enrolled: any }> = {} as never;

  beforeAll(async () => {
    server = await createTestServer({ env: PKI_ENV });
    world = await seedPamWorld(server);
    const hostKey = generateEd25519KeyPair().privateKey;
    const relayKeys = makeRequesterKeys('relay');
    relay = (await server.post('/api/v1/relays/enroll', {
      name: 'managed', sshHostPublicKey: formatPublicKeyLine(hostKey), csr: relayKeys.csr, clientTlsAddress: '127.0.0.1:8443', gatewaySshAddress: '127.0.0.1:8022',
    }, RELAY_TOKEN)).body;
    for (const [name, org] of [['a', world.a], ['b', world.b]] as const) {
      const identity = await bindGatewayIdentity(server, org.org.id, org.gateway.id);
      const keys = makeRequesterKeys(`gateway-${name}`);
      gateways[name] = { keys, enrolled: (await server.post('/api/v1/gateways/enroll', { sshPublicKey: keys.sshPublicKey, csr: keys.csr }, identity.token)).body };
    }
    dir = mkdtempSync(join(tmpdir(), 'postern-enroll-ssh-'));
    chmodSync(dir, 0o755);
    // The stand-in relay lets in exactly gateway A's id.
    writeFileSync(join(dir, 'principals'), `${world.a.gateway.id}\n`, { mode: 0o644 });
    sshd = await startSshd({
      hostKey, hostCert: () => relay.sshHostCertificate,
      trustedUserCaKeys: relay.relaySshClientCaPublicKeys, extraConfig: [`AuthorizedPrincipalsFile ${join(dir, 'principals')}`],
    });
  });
  afterAll(async () => {
    await sshd?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    await server?.close();
  });

  function files(name: 'a' | 'b', hostCa: string) {
    const identity = join(dir, `id-${name}`);
    writeFileSync(identity, gateways[name].keys.sshPrivateKeyOpenSsh, { mode: 0o600 });
    writeFileSync(`${identity}-cert.pub`, `${gateways[name].enrolled.sshCertificate}\n`);
    const knownHosts = join(dir, `known_hosts-${name}`);
    writeFileSync(knownHosts, `@cert-authority 127.0.0.1 ${hostCa}\n`);
    return { identity, knownHosts };
  }

  it("gateway A checks the relay's host certificate with its enrolled CA and logs in with its relay certificate", async () => {
    const { identity, knownHosts } = files('a', gateways.a.enrolled.relaySshServerCaPublicKeys[0]);
    const result = await runSsh({ port: sshd.port, user: sshd.user, identity, knownHosts, command: 'echo relay-ok' });
    expect(result.stdout.trim()).toBe('relay-ok');
    expect(result.code).toBe(0);
  });

  it("gateway B's certificate (same CA, its own gateway id) is not let in as gateway A", async () => {
    const { identity, knownHosts } = files('b', gateways.b.enrolled.relaySshServerCaPublicKeys[0]);
    const result = await runSsh({ port: sshd.port, user: sshd.user, identity, knownHosts, command: 'echo should-not-run' });
    expect(result.code).not.toBe(0);
    expect(result.stdout).not.toContain('should-not-run');
    expect(result.stderr).toMatch(/Permission denied/);
  });

  it('a host certificate checked against another CA is refused by the real ssh client', async () => {
    const { identity, knownHosts } = files('a', relay.relaySshClientCaPublicKeys[0]);
    const result = await runSsh({ port: sshd.port, user: sshd.user, identity, knownHosts, command: 'echo should-not-run' });
    expect(result.code).not.toBe(0);
    expect(result.stdout).not.toContain('should-not-run');
    expect(result.stderr).toMatch(/Host key verification failed/);
  });
});
