/**
 * A gateway process that serves SSH sessions (ALPN postern-ssh) for benchmarks: the real
 * gateway (`startGateway`: tunnel client, inner TLS, SSH bridge) configured from the environment
 * like gateway/src/main.ts, with the server's per-session answer replaced by one fixed target.
 * The target's login is a per-session key pair and certificate, as in production; the
 * certificate is signed here with the target's user CA (POSTERN_BENCH_TARGET), where the real
 * gateway would ask the server over HTTP. Sessions are not recorded (bench/recording-overhead.ts
 * measures that). Started by bench/lib/ssh-gateway-process.ts.
 */
import { createPrivateKey } from 'node:crypto';
import process from 'node:process';
import { NO_RECORDING } from '../../shared/src/recording/recorder.ts';
import { formatCertificateLine, signSshCertificate } from '../../shared/src/ssh/certificate.ts';
import { loadGatewayConfig } from '../../gateway/src/config.ts';
import { startGateway } from '../../gateway/src/gateway.ts';
import type { GatewayLogger } from '../../gateway/src/logger.ts';
import { httpSessionCheck } from '../../gateway/src/session-check.ts';

/** POSTERN_BENCH_TARGET, JSON: the sshd and the CA its TrustedUserCAKeys names. */
export interface BenchTarget {
  host: string;
  port: number;
  hostKey: string;
  username: string;
  /** The target's user CA private key, PKCS#8 PEM. */
  userCaKeyPem: string;
  /** The gateway's SSH host key toward clients, OpenSSH private key. */
  gatewayHostKey: string;
}

const target = JSON.parse(process.env.POSTERN_BENCH_TARGET ?? '{}') as BenchTarget;
const userCa = createPrivateKey(target.userCaKeyPem);
const config = loadGatewayConfig(process.env);
// One JSON line per event on stdout, the shape the parent waits on (pino's, without the dependency).
const line = (level: string) => (fields: object, message?: string) => { process.stdout.write(`${JSON.stringify({ level, ...fields, msg: message })}\n`); };
const log: GatewayLogger = { info: line('info'), warn: line('warn'), error: line('error') };
let serial = 1n;

const issue = async (publicKeyLine: string): Promise<string> => formatCertificateLine(signSshCertificate({
  certType: 'user', publicKey: publicKeyLine, caPrivateKey: userCa, serial: serial++, keyId: 'postern-bench', principals: [target.username],
  validAfter: new Date(Date.now() - 60_000), validBefore: new Date(Date.now() + 3_600_000),
}));

const gateway = startGateway(config, {
  checkSession: httpSessionCheck(config.sessionCheck), log,
  ssh: {
    resolveTarget: async () => ({
      target: { host: target.host, port: target.port, hostKeys: [target.hostKey] },
      credential: { type: 'certificate', username: target.username, issue },
      expiresAt: new Date(Date.now() + 3_600_000),
    }),
    hostKey: target.gatewayHostKey,
    recorderFor: () => NO_RECORDING,
    log,
  },
});

process.once('SIGTERM', () => {
  gateway.close();
  process.exit(0);
});
