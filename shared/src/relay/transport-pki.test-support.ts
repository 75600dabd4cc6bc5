/**
 * Test support only (imported by tests and bench, never by library code): mints every
 * certificate of the transport with the shared libraries, the way the server will — the relay's
 * SSH host cert and TLS cert, each gateway's SSH user cert and inner TLS cert, relay client and
 * session certs — with knobs for the bad cases (expired, not yet valid, other CA, tampered).
 */
import { type KeyObject } from 'node:crypto';
import { createCertificateAuthority, type CertificateAuthority } from '../pki/ca.ts';
import { createCertificateSigningRequest } from '../pki/csr.ts';
import { issueGatewayServerCert, issuePlatformClientCert, issueRelayClientCert, issueRelayServerCert, issueSessionClientCert } from '../pki/issue.ts';
import { exportPrivateKeyPem, generatePkiKeyPair } from '../pki/keys.ts';
import { formatCertificateLine, signSshCertificate } from '../ssh/certificate.ts';
import { formatPublicKeyLine, generateEd25519KeyPair, type Ed25519KeyPair } from '../ssh/keys.ts';
import { encodeOpenSshPrivateKey } from '../ssh/private-key.ts';
import { formatGatewayKeyId } from './gateway-ssh-identity.ts';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

export interface TlsCredentials {
  certPem: string;
  keyPem: string;
}

/** When a certificate is valid, relative to now. */
export type Validity = 'valid' | 'expired' | 'not-yet-valid';

export interface OrgGatewayCas {
  orgId: string;
  gatewayServerCa: CertificateAuthority;
  gatewayClientCa: CertificateAuthority;
}

export interface RelayMaterials {
  sshHostKey: string;
  sshHostCertificate: string;
  sshClientCaKeys: string[];
  /** The relay SSH host CA's public key line, which gateways trust. */
  sshHostCaKey: string;
  tlsCertificate: string;
  tlsKey: string;
  tlsClientCa: string;
  /** The Relay PKI Server CA certificate, which clients trust. */
  tlsServerCa: string;
}

export interface GatewaySshCredentials {
  privateKey: string;
  certificate: string;
}

const caStart = new Date(Date.now() - 30 * DAY);
const makeCa = (kind: CertificateAuthority['kind'], orgId?: string) =>
  createCertificateAuthority({ kind, now: caStart, ...(orgId ? { orgId } : {}) }).authority;

/** Issue time and end for a validity knob (the CAs were made 30 days ago, so all fit). */
function window(validity: Validity, lifetime = DAY): { now: Date; notAfter: Date } {
  const now = validity === 'expired' ? new Date(Date.now() - 3 * DAY) : validity === 'not-yet-valid' ? new Date(Date.now() + 2 * DAY) : new Date();
  return { now, notAfter: new Date(now.getTime() + (validity === 'expired' ? DAY : lifetime)) };
}

function requester(name: string): { keyPem: string; csr: string } {
  const keys = generatePkiKeyPair();
  return { keyPem: exportPrivateKeyPem(keys.privateKey), csr: createCertificateSigningRequest(keys, name) };
}

/** Flips one bit inside the signed part of a PEM certificate (its serial), so the signature no longer verifies. */
export function tamperCertificate(certPem: string): string {
  const der = Buffer.from(certPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  // Certificate SEQ(4) > TBS SEQ(4) > [0] version(5) > INTEGER serial: tag at 13, length 14, first byte 15.
  der[16] = der[16]! ^ 0x01;
  return `-----BEGIN CERTIFICATE-----\n${der.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
}

export class TransportPki {
  readonly relaySshHostCa: Ed25519KeyPair = generateEd25519KeyPair();
  readonly relaySshClientCa: Ed25519KeyPair = generateEd25519KeyPair();
  readonly relayServerCa = makeCa('relay-server');
  readonly relayClientCa = makeCa('relay-client');
  readonly #orgs = new Map<string, OrgGatewayCas>();

  org(orgId: string): OrgGatewayCas {
    let cas = this.#orgs.get(orgId);
    if (!cas) {
      cas = { orgId, gatewayServerCa: makeCa('gateway-server', orgId), gatewayClientCa: makeCa('gateway-client', orgId) };
      this.#orgs.set(orgId, cas);
    }
    return cas;
  }

  relayMaterials(hostPrincipals: string[] = ['127.0.0.1', 'localhost']): RelayMaterials {
    const hostKey = generateEd25519KeyPair();
    const hostCert = signSshCertificate({
      certType: 'host', publicKey: hostKey.publicKey, caPrivateKey: this.relaySshHostCa.privateKey, serial: 1n, keyId: 'relay',
      principals: hostPrincipals, validAfter: new Date(Date.now() - HOUR), validBefore: new Date(Date.now() + DAY),
    });
    const tls = requester('relay');
    const tlsCert = issueRelayServerCert(this.relayServerCa, { csr: tls.csr, ipAddresses: ['127.0.0.1'], dnsNames: ['localhost'] });
    return {
      sshHostKey: encodeOpenSshPrivateKey(hostKey.privateKey),
      sshHostCertificate: formatCertificateLine(hostCert),
      sshClientCaKeys: [formatPublicKeyLine(this.relaySshClientCa.publicKey)],
      sshHostCaKey: formatPublicKeyLine(this.relaySshHostCa.publicKey),
      tlsCertificate: tlsCert.pem,
      tlsKey: tls.keyPem,
      tlsClientCa: this.relayClientCa.certificatePem,
      tlsServerCa: this.relayServerCa.certificatePem,
    };
  }

  /** The gateway's SSH user certificate for the relay: principal = gateway id, key id = org. */
  gatewaySsh(orgId: string, gatewayId: string, options: { validity?: Validity; ca?: KeyObject } = {}): GatewaySshCredentials {
    const key = generateEd25519KeyPair();
    const { now, notAfter } = window(options.validity ?? 'valid');
    const certificate = signSshCertificate({
      certType: 'user', publicKey: key.publicKey, caPrivateKey: options.ca ?? this.relaySshClientCa.privateKey, serial: 2n,
      keyId: formatGatewayKeyId(orgId), principals: [gatewayId], validAfter: now, validBefore: notAfter, extensions: { 'permit-port-forwarding': '' },
    });
    return { privateKey: encodeOpenSshPrivateKey(key.privateKey), certificate: formatCertificateLine(certificate) };
  }

  gatewayTls(orgId: string, gatewayId: string): TlsCredentials & { clientCaPem: string } {
    const cas = this.org(orgId);
    const r = requester(`gateway ${gatewayId}`);
    const cert = issueGatewayServerCert(cas.gatewayServerCa, { csr: r.csr, gatewayId });
    return { certPem: cert.pem, keyPem: r.keyPem, clientCaPem: cas.gatewayClientCa.certificatePem };
  }

  relayClient(orgId: string, options: { validity?: Validity; ca?: CertificateAuthority } = {}): TlsCredentials {
    const r = requester('relay client');
    const { now, notAfter } = window(options.validity ?? 'valid');
    const cert = issueRelayClientCert(options.ca ?? this.relayClientCa, { csr: r.csr, orgId, notAfter, now });
    return { certPem: cert.pem, keyPem: r.keyPem };
  }

  session(orgId: string, gatewayId: string, options: { sessionId?: string; validity?: Validity; ca?: CertificateAuthority } = {}): TlsCredentials {
    const r = requester('session');
    const { now, notAfter } = window(options.validity ?? 'valid', HOUR);
    const cert = issueSessionClientCert(options.ca ?? this.org(orgId).gatewayClientCa, {
      csr: r.csr, sessionId: options.sessionId ?? 'ses-1', gatewayId, resourceId: 'res-1', accountId: 'acct-1', sessionEndsAt: notAfter, now,
    });
    return { certPem: cert.pem, keyPem: r.keyPem };
  }

  platform(orgId: string): TlsCredentials {
    const r = requester('platform');
    const cert = issuePlatformClientCert(this.org(orgId).gatewayClientCa, { csr: r.csr, notAfter: new Date(Date.now() + HOUR) });
    return { certPem: cert.pem, keyPem: r.keyPem };
  }
}
