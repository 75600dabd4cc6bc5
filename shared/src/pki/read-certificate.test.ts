import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { X509MalformedError } from '../errors.ts';
import { issueSessionClientCert } from './issue.ts';
import { makeOrgPki, makeRequester, runOpenssl } from './openssl.test-support.ts';
import { readCertificate } from './read-certificate.ts';

const org = makeOrgPki('org-a');
const cert = issueSessionClientCert(org.gatewayClientCa, {
  csr: makeRequester().csr, sessionId: 's', gatewayId: 'g', resourceId: 'r', accountId: 'a', sessionEndsAt: new Date(Date.now() + 3600_000),
});

describe('readCertificate', () => {
  it('reads the same content from PEM, DER, node X509Certificate and a PeerCertificate-like { raw }', () => {
    const fromPem = readCertificate(cert.pem);
    expect(readCertificate(cert.der).parameters).toEqual(fromPem.parameters);
    expect(readCertificate(fromPem.certificate).serialNumber).toBe(fromPem.serialNumber);
    expect(readCertificate({ raw: cert.der }).notAfter).toEqual(fromPem.notAfter);
  });

  it('refuses a certificate from outside Postern (no parameters extension)', () => {
    const foreign = runOpenssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', '/dev/null', '-subj', '/CN=outsider', '-days', '1']);
    expect(foreign.ok).toBe(true);
    expect(() => readCertificate(foreign.output)).toThrow(/no Postern parameters extension/);
    expect(() => readCertificate('junk')).toThrow(/BEGIN CERTIFICATE/);
  });

  it('fuzz: truncated, bit-flipped and random DER gives a certificate or X509MalformedError, nothing else', () => {
    const inputs: Uint8Array[] = [];
    for (let cut = 0; cut < cert.der.length; cut += 3) inputs.push(cert.der.subarray(0, cut));
    for (let i = 0; i < 1500; i++) {
      const mutated = Buffer.from(cert.der);
      mutated[(i * 7) % mutated.length]! ^= 1 << (i % 8);
      inputs.push(mutated);
    }
    for (let i = 0; i < 500; i++) inputs.push(Buffer.concat([Buffer.from([0x30, 0x82]), randomBytes(i % 400)]));
    let accepted = 0;
    for (const input of inputs) {
      try {
        readCertificate(input);
        accepted++;
      } catch (error) {
        expect(error).toBeInstanceOf(X509MalformedError);
      }
    }
    // Flips inside the signature or key bits still parse; verifyCertificate refuses those.
    expect(accepted).toBeLessThan(inputs.length);
  });
});
