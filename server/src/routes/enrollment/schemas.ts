import { z } from '../../http/schemas.ts';

/** Request fields shared by gateway and relay enrollment. Sizes are generous for one key or one CSR and no more. */

export const SshPublicKeyLine = z.string().trim().min(1).max(2048)
  .openapi({ description: 'One OpenSSH public key line, ed25519 (what ssh-keygen -t ed25519 writes to the .pub file)', example: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI… gateway' });

export const CsrPem = z.string().trim().min(1).max(16_384)
  .openapi({ description: 'PEM PKCS#10 certificate signing request for an ECDSA P-256 key the caller made; only its public key is used' });

export const HostPort = z.string().regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, { message: 'must be host:port (an IPv6 host in brackets)' })
  .max(260).openapi({ example: 'relay.example.com:8443' });

export const CertificateLifetime = {
  issuedAt: z.iso.datetime().openapi({ description: 'Start of validity (backdated a few minutes for clock skew)' }),
  expiresAt: z.iso.datetime(),
  renewAfter: z.iso.datetime().openapi({ description: 'Renew from this time on (two thirds of the lifetime)' }),
};

export const lifetimeBody = (issued: { issuedAt: Date; expiresAt: Date; renewAfter: Date }) => ({
  issuedAt: issued.issuedAt.toISOString(), expiresAt: issued.expiresAt.toISOString(), renewAfter: issued.renewAfter.toISOString(),
});
