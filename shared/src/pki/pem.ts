/** PEM armour (RFC 7468) for certificates and certification requests. */
import { X509MalformedError } from '../errors.ts';

export function toPem(der: Uint8Array, label: 'CERTIFICATE' | 'CERTIFICATE REQUEST'): string {
  const body = Buffer.from(der).toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${body}-----END ${label}-----\n`;
}

/** DER of the first `label` block in `pem`; accepts DER bytes unchanged. */
export function fromPem(input: string | Uint8Array, label: 'CERTIFICATE' | 'CERTIFICATE REQUEST'): Buffer {
  if (typeof input !== 'string') return Buffer.from(input);
  const match = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]+)-----END ${label}-----`).exec(input);
  if (!match?.[1]) throw new X509MalformedError(label.toLowerCase(), `no "-----BEGIN ${label}-----" block was found`);
  return Buffer.from(match[1].replace(/\s+/g, ''), 'base64');
}
