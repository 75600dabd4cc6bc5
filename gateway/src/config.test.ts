import { describe, expect, it } from 'vitest';
import { TransportPki } from '@postern/shared/relay/transport-pki.test-support';
import { loadGatewayConfig } from './config.ts';

const pki = new TransportPki();
const materials = pki.relayMaterials();

function env(overrides: Record<string, string> = {}): Record<string, string> {
  const ssh = pki.gatewaySsh('org-a', 'gw-1');
  const tls = pki.gatewayTls('org-a', 'gw-1');
  return {
    POSTERN_GATEWAY_RELAY: 'relay.example.com:8022', POSTERN_GATEWAY_SESSION_CHECK_URL: 'https://server.example.com/api/v1/gateway/sessions/{sessionId}',
    POSTERN_GATEWAY_SSH_KEY: ssh.privateKey, POSTERN_GATEWAY_SSH_CERT: ssh.certificate, POSTERN_GATEWAY_RELAY_HOST_CA: materials.sshHostCaKey,
    POSTERN_GATEWAY_TLS_CERT: tls.certPem, POSTERN_GATEWAY_TLS_KEY: tls.keyPem, POSTERN_GATEWAY_TLS_CLIENT_CA: tls.clientCaPem, ...overrides,
  };
}

describe('loadGatewayConfig', () => {
  it('reads the gateway id and org from the gateway certificate; the relay host is the expected host principal', () => {
    const config = loadGatewayConfig(env());
    expect(config).toMatchObject({ gatewayId: 'gw-1', orgId: 'org-a', relay: { host: 'relay.example.com', port: 8022, hostPrincipal: 'relay.example.com' } });
    expect(config.backoff).toEqual({ initialMs: 200, maxMs: 10_000, factor: 2 });
  });

  it('refuses an SSH certificate for another gateway or org than the TLS certificate names', () => {
    expect(() => loadGatewayConfig(env({ POSTERN_GATEWAY_SSH_CERT: pki.gatewaySsh('org-a', 'gw-2').certificate }))).toThrow(/not for gateway gw-1 of org org-a/);
    expect(() => loadGatewayConfig(env({ POSTERN_GATEWAY_SSH_CERT: pki.gatewaySsh('org-b', 'gw-1').certificate }))).toThrow(/not for gateway gw-1 of org org-a/);
  });

  it('names the variable when the session check URL has no {sessionId} or the relay is not host:port', () => {
    expect(() => loadGatewayConfig(env({ POSTERN_GATEWAY_SESSION_CHECK_URL: 'https://server.example.com/check' }))).toThrow(/POSTERN_GATEWAY_SESSION_CHECK_URL must contain \{sessionId\}/);
    expect(() => loadGatewayConfig(env({ POSTERN_GATEWAY_RELAY: 'relay.example.com' }))).toThrow(/POSTERN_GATEWAY_RELAY must be host:port/);
    const { POSTERN_GATEWAY_RELAY: _omitted, ...withoutRelay } = env();
    expect(() => loadGatewayConfig(withoutRelay)).toThrow(/Gateway configuration: POSTERN_GATEWAY_RELAY is required\./);
  });
});
