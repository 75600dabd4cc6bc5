import { describe, expect, it } from 'vitest';
import { loadRelayConfig } from './config.ts';

const inline = {
  POSTERN_RELAY_SSH_HOST_KEY: 'host key', POSTERN_RELAY_SSH_HOST_CERT: 'ssh-ed25519-cert-v01@openssh.com AAAA\n',
  POSTERN_RELAY_SSH_CLIENT_CA: '# rotation\nssh-ed25519 AAAA-new\n\nssh-ed25519 AAAA-old\n', POSTERN_RELAY_TLS_CERT: 'cert', POSTERN_RELAY_TLS_KEY: 'key',
};

describe('loadRelayConfig', () => {
  it('reads inline values and files, with defaults for listeners and timeouts', () => {
    const files: Record<string, string> = { '/etc/postern/client-ca.pem': 'client ca pem' };
    const config = loadRelayConfig({ ...inline, POSTERN_RELAY_TLS_CLIENT_CA_FILE: '/etc/postern/client-ca.pem', POSTERN_RELAY_TLS_LISTEN: '[::1]:9443' }, (path) => files[path]!);
    expect(config).toMatchObject({
      sshListen: { host: '127.0.0.1', port: 8022 }, tlsListen: { host: '::1', port: 9443 }, tlsClientCa: 'client ca pem',
      sshHostCertificate: 'ssh-ed25519-cert-v01@openssh.com AAAA', sshClientCaKeys: ['ssh-ed25519 AAAA-new', 'ssh-ed25519 AAAA-old'], firstFrameTimeoutMs: 10_000,
      dataConnections: 4,
    });
    expect(config.dataPort).toBeUndefined();
    expect(loadRelayConfig({ ...inline, POSTERN_RELAY_TLS_CLIENT_CA: 'a', POSTERN_RELAY_DATA_CONNECTIONS: '0', POSTERN_RELAY_DATA_PORT: '443' }))
      .toMatchObject({ dataConnections: 0, dataPort: 443 });
  });

  it('fails at start naming the variable that is missing, doubled, unreadable or malformed', () => {
    expect(() => loadRelayConfig(inline)).toThrow(/POSTERN_RELAY_TLS_CLIENT_CA \(or POSTERN_RELAY_TLS_CLIENT_CA_FILE, a path\) is required/);
    expect(() => loadRelayConfig({ ...inline, POSTERN_RELAY_TLS_CLIENT_CA: 'a', POSTERN_RELAY_TLS_CLIENT_CA_FILE: '/x' })).toThrow(/set POSTERN_RELAY_TLS_CLIENT_CA or POSTERN_RELAY_TLS_CLIENT_CA_FILE, not both/);
    expect(() => loadRelayConfig({ ...inline, POSTERN_RELAY_TLS_CLIENT_CA_FILE: '/nonexistent/ca.pem' })).toThrow(/POSTERN_RELAY_TLS_CLIENT_CA_FILE names \/nonexistent\/ca.pem, which cannot be read/);
    expect(() => loadRelayConfig({ ...inline, POSTERN_RELAY_TLS_CLIENT_CA: 'a', POSTERN_RELAY_SSH_LISTEN: '8022' })).toThrow(/POSTERN_RELAY_SSH_LISTEN must be host:port/);
    expect(() => loadRelayConfig({ ...inline, POSTERN_RELAY_TLS_CLIENT_CA: 'a', POSTERN_RELAY_FIRST_FRAME_TIMEOUT_MS: '-1' })).toThrow(/POSTERN_RELAY_FIRST_FRAME_TIMEOUT_MS/);
    expect(() => loadRelayConfig({ ...inline, POSTERN_RELAY_TLS_CLIENT_CA: 'a', POSTERN_RELAY_DATA_CONNECTIONS: '65' })).toThrow(/POSTERN_RELAY_DATA_CONNECTIONS/);
    expect(() => loadRelayConfig({ ...inline, POSTERN_RELAY_TLS_CLIENT_CA: 'a', POSTERN_RELAY_DATA_PORT: 'https' })).toThrow(/POSTERN_RELAY_DATA_PORT/);
  });
});
