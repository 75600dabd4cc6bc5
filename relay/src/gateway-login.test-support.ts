/** A raw ssh2 Client playing a gateway against an in-process relay, for the relay's own tests. */
import ssh2 from 'ssh2';
import type { ClientChannel, TcpConnectionDetails } from 'ssh2';
import { GATEWAY_TUNNEL_PORT } from '@postern/shared/relay/gateway-ssh-identity';
import type { GatewaySshCredentials } from '@postern/shared/relay/transport-pki.test-support';
import { readSshPrivateKey } from '@postern/shared/relay/ssh-key-material';
import { parseSshCertificate } from '@postern/shared/ssh/certificate';
import { hostCertificateVerifier, SSH2_HOST_CERT_ALGORITHMS_ONLY, ssh2UserCertificateAuth } from '@postern/shared/ssh/ssh2-certificates';

const { Client } = ssh2;

export interface GatewayLoginAttempt {
  loggedIn: boolean;
  forwarded: boolean;
  error?: string;
  client: InstanceType<typeof Client>;
}

export interface GatewayLoginOptions {
  sshPort: number;
  hostCaKey: string;
  bindAddr?: string;
  /** Each channel the relay opens to this gateway, accepted. */
  onChannel?: (channel: ClientChannel, details: TcpConnectionDetails) => void;
}

/** Logs in as `username` with `credentials` and asks to forward `bindAddr`; settles within 5 s. */
export function connectAsGateway(username: string, credentials: GatewaySshCredentials, options: GatewayLoginOptions): Promise<GatewayLoginAttempt> {
  const client = new Client();
  return new Promise((resolve) => {
    const result: GatewayLoginAttempt = { loggedIn: false, forwarded: false, client };
    const timer = setTimeout(() => resolve({ ...result, error: 'timeout' }), 5000);
    const finish = (extra: Partial<GatewayLoginAttempt>) => { clearTimeout(timer); resolve({ ...result, ...extra }); };
    client.on('ready', () => {
      result.loggedIn = true;
      client.forwardIn(options.bindAddr ?? username, GATEWAY_TUNNEL_PORT, (error) => finish({ forwarded: !error, ...(error ? { error: error.message } : {}) }));
    });
    client.on('tcp connection', (details, accept) => {
      const channel = accept();
      options.onChannel?.(channel, details);
    });
    client.on('error', (error) => finish({ error: error.message }));
    client.connect({
      host: '127.0.0.1', port: options.sshPort, username,
      ...ssh2UserCertificateAuth(readSshPrivateKey(credentials.privateKey), parseSshCertificate(credentials.certificate)),
      algorithms: { serverHostKey: [...SSH2_HOST_CERT_ALGORITHMS_ONLY] as never },
      hostVerifier: hostCertificateVerifier({ caPublicKey: options.hostCaKey, principal: '127.0.0.1' }),
    });
  });
}
