/**
 * The platform's own certificates for reaching an org's gateways: a Relay PKI client
 * certificate from the relay's CA (naming the org, so the relay routes only to that org's
 * gateways) and a platform certificate from the org's Gateway Client CA (role platform-client:
 * the gateway admits it without a session, for health and reachability only). The server makes
 * the key pair itself and keeps both in memory for an hour, per app, relay and org.
 */
import { createPublicKey } from 'node:crypto';
import {
  createCertificateSigningRequest, exportPrivateKeyPem, generatePkiKeyPair, issuePlatformClientCert, issueRelayClientCert,
} from '@postern/shared/pki/index';
import type { RelayRow } from '../../db/schema/index.ts';
import { x509Ca, type CaStoreDeps } from '../pki/ca-store.ts';
import { relayCaOwner, splitHostPort } from '../pki/issuance.ts';

export interface PlatformCredentials {
  relay: { host: string; port: number; ca: string; cert: string; key: string };
  gatewayServerCa: string;
  platform: { cert: string; key: string };
  expiresAt: number;
}

const LIFETIME_MS = 60 * 60_000;
const REUSE_MARGIN_MS = 10 * 60_000;
const caches = new WeakMap<object, Map<string, PlatformCredentials>>();

export async function platformCredentialsFor(deps: CaStoreDeps, orgId: string, relay: RelayRow): Promise<PlatformCredentials> {
  const cache = caches.get(deps.db) ?? new Map<string, PlatformCredentials>();
  caches.set(deps.db, cache);
  const now = deps.clock();
  const key = `${relay.id}:${relay.clientTlsAddress}:${orgId}`;
  const cached = cache.get(key);
  if (cached && cached.expiresAt - now.getTime() > REUSE_MARGIN_MS) return cached;
  const system = { kind: 'system' } as const;
  const org = { scope: 'org', orgId } as const;
  const [relayClientCa, relayServerCa, gatewayClientCa, gatewayServerCa] = await Promise.all([
    x509Ca(deps, relayCaOwner(relay), 'relay-pki-client', system),
    x509Ca(deps, relayCaOwner(relay), 'relay-pki-server', system),
    x509Ca(deps, org, 'gateway-client', system),
    x509Ca(deps, org, 'gateway-server', system),
  ]);
  const keys = generatePkiKeyPair();
  const csr = createCertificateSigningRequest({ privateKey: keys.privateKey, publicKey: createPublicKey(keys.privateKey) }, 'postern platform');
  const notAfter = new Date(now.getTime() + LIFETIME_MS);
  const keyPem = exportPrivateKeyPem(keys.privateKey);
  const address = splitHostPort(relay.clientTlsAddress);
  const credentials: PlatformCredentials = {
    relay: { ...address, ca: relayServerCa.certificatePem, cert: issueRelayClientCert(relayClientCa, { csr, orgId, notAfter, now }).pem, key: keyPem },
    gatewayServerCa: gatewayServerCa.certificatePem,
    platform: { cert: issuePlatformClientCert(gatewayClientCa, { csr, notAfter, now }).pem, key: keyPem },
    expiresAt: notAfter.getTime(),
  };
  cache.set(key, credentials);
  return credentials;
}
