/**
 * DER framing (X.690 §8.1, §10.1): a tag, a definite minimal length, the contents. Used only to
 * wrap parts that are already DER (a CA's name, a public key, cached extensions) into a
 * certificate without decoding and re-encoding them, which made asn1-schema spend most of an
 * issuance re-serializing the same bytes. Every certificate built this way is parsed back by
 * @peculiar/asn1-x509 and checked by `openssl verify -x509_strict` in the tests.
 */
export function derTlv(tag: number, ...contents: Uint8Array[]): Buffer {
  const length = contents.reduce((total, part) => total + part.byteLength, 0);
  return Buffer.concat([Buffer.from([tag]), derLength(length), ...contents]);
}

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function derSequence(...contents: Uint8Array[]): Buffer {
  return derTlv(0x30, ...contents);
}

/** `[n] EXPLICIT` context-specific constructed tag. */
export function derExplicit(tagNumber: number, ...contents: Uint8Array[]): Buffer {
  return derTlv(0xa0 | tagNumber, ...contents);
}

/** INTEGER from unsigned big-endian bytes: minimal, with a 0x00 pad when the top bit is set. */
export function derUnsignedInteger(bytes: Uint8Array): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const minimal = bytes.subarray(start);
  return derTlv(0x02, (minimal[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), minimal]) : minimal);
}

/** BIT STRING with no unused bits (signatures, keys). */
export function derBitString(bytes: Uint8Array): Buffer {
  return derTlv(0x03, Buffer.from([0]), bytes);
}
