/**
 * The `source-address` critical option: a comma-separated list of addresses and CIDR blocks
 * (`10.0.0.0/8`, `2001:db8::/32`, `192.0.2.7`) the certificate may be used from. Pure parsing
 * so it runs anywhere; IPv4-mapped IPv6 client addresses (`::ffff:10.1.2.3`) count as IPv4.
 */
import { SshCertificateMalformedError } from '../errors.ts';

interface IpAddress {
  bits: 32 | 128;
  value: bigint;
}

function parseIpv4(text: string): bigint | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return null;
    value = (value << 8n) | BigInt(Number(part));
  }
  return value;
}

function parseIpv6Groups(text: string): number[] | null {
  if (text === '') return [];
  const groups: number[] = [];
  const pieces = text.split(':');
  for (const [index, piece] of pieces.entries()) {
    if (index === pieces.length - 1 && piece.includes('.')) {
      const v4 = parseIpv4(piece);
      if (v4 === null) return null;
      groups.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
    } else if (/^[0-9a-fA-F]{1,4}$/.test(piece)) {
      groups.push(parseInt(piece, 16));
    } else {
      return null;
    }
  }
  return groups;
}

function parseIpv6(text: string): bigint | null {
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = parseIpv6Groups(halves[0]!);
  const tail = halves.length === 2 ? parseIpv6Groups(halves[1]!) : [];
  if (head === null || tail === null) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  let value = 0n;
  for (const group of [...head, ...new Array<number>(missing).fill(0), ...tail]) value = (value << 16n) | BigInt(group);
  return value;
}

const MAPPED_V4_PREFIX = 0xffffn << 32n;

export function parseIpAddress(text: string): IpAddress | null {
  const v4 = parseIpv4(text);
  if (v4 !== null) return { bits: 32, value: v4 };
  const v6 = parseIpv6(text);
  if (v6 === null) return null;
  if (v6 >> 32n === 0xffffn) return { bits: 32, value: v6 - MAPPED_V4_PREFIX };
  return { bits: 128, value: v6 };
}

function matchesEntry(entry: string, address: IpAddress): boolean {
  const [network, prefixText, extra] = entry.split('/');
  const parsed = parseIpAddress(network ?? '');
  if (!parsed || extra !== undefined) throw new SshCertificateMalformedError(`source-address entry "${entry}" is not an address or CIDR block`);
  const prefix = prefixText === undefined ? parsed.bits : Number(prefixText);
  if (prefixText !== undefined && (!/^\d{1,3}$/.test(prefixText) || prefix > parsed.bits)) {
    throw new SshCertificateMalformedError(`source-address entry "${entry}" has an invalid prefix length`);
  }
  if (parsed.bits !== address.bits) return false;
  const shift = BigInt(parsed.bits - prefix);
  return parsed.value >> shift === address.value >> shift;
}

/**
 * True when `clientAddress` falls in the `source-address` list. Every entry is validated (a
 * malformed list refuses the certificate even if an earlier entry matched), as sshd does.
 */
export function sourceAddressAllows(list: string, clientAddress: string): boolean {
  const address = parseIpAddress(clientAddress);
  if (!address) return false;
  let allowed = false;
  for (const entry of list.split(',')) {
    if (matchesEntry(entry.trim(), address)) allowed = true;
  }
  return allowed;
}
