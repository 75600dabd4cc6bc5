/**
 * X.509 issuance benchmark: the server side of a session start, from CSR to signed certificate.
 * Issues 1,000 session client certificates from 1,000 distinct CSRs (parse, proof-of-possession
 * check, sign) and prints certificates per second; then times TLS 1.3 mutual-auth handshakes on
 * loopback with those certificates, the part of connect time that the key choice decides.
 *
 *   node --import tsx bench/x509-issuance.ts [count]
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import tls from 'node:tls';
import {
  createCertificateAuthority, createCertificateSigningRequest, exportPrivateKeyPem, generatePkiKeyPair,
  issueGatewayServerCert, issueSessionClientCert, parseCertificateSigningRequest, pinGatewayIdentity,
} from '../shared/src/pki/index.ts';
import { report } from './lib/report.ts';
import { median, percentile } from './lib/stats.ts';

const count = Number(process.argv[2] ?? 1000);
const handshakes = 50;

/** Prints the line and returns the rate per second. */
function rate(label: string, n: number, ms: number): number {
  console.log(`${label.padEnd(44)} ${String(Math.round((n / ms) * 1000)).padStart(7)}/s  (${(ms / n).toFixed(3)} ms each, n=${n})`);
  return (n / ms) * 1000;
}

const orgId = 'org-bench';
const serverCa = createCertificateAuthority({ kind: 'gateway-server', orgId }).authority;
const clientCa = createCertificateAuthority({ kind: 'gateway-client', orgId }).authority;

let t0 = performance.now();
const clients = Array.from({ length: count }, (_, i) => {
  const keys = generatePkiKeyPair();
  return { keys, csr: createCertificateSigningRequest(keys, `client-${i}`) };
});
rate('client side: key pair + CSR', count, performance.now() - t0);

const sessionEndsAt = new Date(Date.now() + 3600_000);
// Warm the JIT on a tenth of the requests so the timed run measures steady state.
for (const { csr } of clients.slice(0, Math.ceil(count / 10))) {
  issueSessionClientCert(clientCa, { csr, sessionId: 'warm', gatewayId: 'gw-bench', resourceId: 'res-1', accountId: 'acct-1', sessionEndsAt });
}
t0 = performance.now();
const issued = clients.map(({ csr }, i) => issueSessionClientCert(clientCa, {
  csr, sessionId: `ses-${i}`, gatewayId: 'gw-bench', resourceId: 'res-1', accountId: 'acct-1', actorId: 'user-1', sessionEndsAt,
}));
const fromCsr = rate('server side: session cert from CSR (total)', count, performance.now() - t0);
report({ measure: 'X.509 session client certs from CSRs', unit: 'certs/s', value: fromCsr, better: 'higher' });

t0 = performance.now();
const parsed = clients.map(({ csr }) => parseCertificateSigningRequest(csr));
rate('  of which: CSR parse + proof of possession', count, performance.now() - t0);
t0 = performance.now();
for (const [i, csr] of parsed.entries()) {
  issueSessionClientCert(clientCa, { csr, sessionId: `ses-${i}`, gatewayId: 'gw-bench', resourceId: 'res-1', accountId: 'acct-1', sessionEndsAt });
}
rate('  of which: encode + sign (pre-parsed CSR)', count, performance.now() - t0);
console.log(`certificate size: ${issued[0]!.der.byteLength} bytes DER; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);

await measureHandshakes();

async function measureHandshakes(): Promise<void> {
  const gatewayKeys = generatePkiKeyPair();
  const gatewayCert = issueGatewayServerCert(serverCa, { csr: createCertificateSigningRequest(gatewayKeys, 'gw'), gatewayId: 'gw-bench' });
  const server = tls.createServer({
    key: exportPrivateKeyPem(gatewayKeys.privateKey), cert: gatewayCert.pem, ca: [clientCa.certificatePem],
    requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.3',
  }, (socket) => socket.end('ok'));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const times: number[] = [];
  for (let i = 0; i < handshakes; i++) {
    const client = clients[i % clients.length]!;
    const started = performance.now();
    const socket = tls.connect({
      host: '127.0.0.1', port, ca: [serverCa.certificatePem], minVersion: 'TLSv1.3',
      key: exportPrivateKeyPem(client.keys.privateKey), cert: issued[i % issued.length]!.pem, checkServerIdentity: pinGatewayIdentity('gw-bench'),
    });
    await once(socket, 'data'); // the server answers only once it has accepted our certificate
    times.push(performance.now() - started);
    socket.destroy();
  }
  server.close();
  console.log(`TLS 1.3 mTLS handshake, P-256, loopback: median ${median(times).toFixed(2)} ms, p95 ${percentile(times, 0.95).toFixed(2)} ms, max ${percentile(times, 1).toFixed(2)} ms (n=${handshakes})`);
  report({ measure: 'TLS 1.3 mTLS handshake, P-256 session cert', unit: 'ms', value: median(times), better: 'lower' });
}
