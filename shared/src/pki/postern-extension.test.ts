import { randomBytes } from 'node:crypto';
import { fromBER, ObjectIdentifier, Sequence, Utf8String } from 'asn1js';
import { describe, expect, it } from 'vitest';
import { X509MalformedError } from '../errors.ts';
import { POSTERN_OID_ARC, POSTERN_PARAMETER_OIDS, canonicalOid } from './oids.ts';
import { CERTIFICATE_ROLES, decodePosternParameters, encodePosternParameters, type PosternParameters } from './postern-extension.ts';

const session: PosternParameters = {
  role: 'session-client', orgId: 'org-1', gatewayId: 'gw-1', sessionId: 'ses_42', resourceId: 'res.9', accountId: 'acct-root', actorId: 'user-7',
};

function encodeRaw(pairs: Array<[string, string]>): Uint8Array {
  return new Uint8Array(new Sequence({
    value: pairs.map(([oid, text]) => new Sequence({ value: [new ObjectIdentifier({ value: oid }), new Utf8String({ value: text })] })),
  }).toBER(false));
}

function expectMalformed(der: Uint8Array, message: RegExp): void {
  expect(() => decodePosternParameters(der)).toThrow(X509MalformedError);
  expect(() => decodePosternParameters(der)).toThrow(message);
}

describe('Postern parameters extension', () => {
  it('round-trips every field and every role', () => {
    expect(decodePosternParameters(encodePosternParameters(session))).toEqual(session);
    for (const role of CERTIFICATE_ROLES) expect(decodePosternParameters(encodePosternParameters({ role }))).toEqual({ role });
  });

  it('encodes to the documented DER: SEQUENCE OF SEQUENCE { OID under the UUID arc, UTF8String }', () => {
    const der = Buffer.from(encodePosternParameters({ role: 'platform-client', orgId: 'o1' }));
    const arcOid = '06166983cddfd2b5ecd7d29aff80bd9eac87d8e79d18'; // 2.25.<uuid>: tag, length 22, 105, the UUID in 7-bit groups
    const orgEntry = `301c${arcOid}0201` + '0c02' + Buffer.from('o1').toString('hex');
    const roleEntry = `3029${arcOid}0202` + '0c0f' + Buffer.from('platform-client').toString('hex');
    expect(der.toString('hex')).toBe(`3049${orgEntry}${roleEntry}`);
  });

  it('reads arcs above 2^53 back as decimal', () => {
    const parsed = fromBER(new ObjectIdentifier({ value: POSTERN_PARAMETER_OIDS.orgId }).toBER()).result as ObjectIdentifier;
    const spelledByAsn1js = parsed.getValue();
    expect(spelledByAsn1js).not.toBe(POSTERN_PARAMETER_OIDS.orgId);
    expect(canonicalOid(spelledByAsn1js)).toBe(POSTERN_PARAMETER_OIDS.orgId);
    expect(canonicalOid('1.2.840.10045.4.3.2')).toBe('1.2.840.10045.4.3.2');
  });

  it('refuses unknown OIDs, duplicates, a missing or unknown role, and bad ids', () => {
    expectMalformed(encodeRaw([[POSTERN_PARAMETER_OIDS.role, 'session-client'], [`${POSTERN_OID_ARC}.2.99`, 'x']]), /unknown parameter OID/);
    expectMalformed(encodeRaw([[POSTERN_PARAMETER_OIDS.role, 'session-client'], [POSTERN_PARAMETER_OIDS.role, 'platform-client']]), /appears twice/);
    expectMalformed(encodeRaw([[POSTERN_PARAMETER_OIDS.orgId, 'o1']]), /role parameter is missing/);
    expectMalformed(encodeRaw([[POSTERN_PARAMETER_OIDS.role, 'root']]), /unknown role/);
    expectMalformed(encodeRaw([[POSTERN_PARAMETER_OIDS.role, 'relay-client'], [POSTERN_PARAMETER_OIDS.orgId, 'a,b']]), /not a valid id/);
    expectMalformed(encodeRaw([]), /not 1\.\.16/);
    expect(() => encodePosternParameters({ ...session, sessionId: 'x'.repeat(129) })).toThrow(X509MalformedError);
    expect(() => encodePosternParameters({ role: 'admin' as never })).toThrow(/unknown role/);
  });

  it('refuses trailing bytes and non-canonical (BER long-form) lengths', () => {
    const der = encodePosternParameters(session);
    expectMalformed(new Uint8Array([...der, 0]), /one DER SEQUENCE/);
    const longForm = new Uint8Array([0x30, 0x81, ...der.subarray(1)]);
    expectMalformed(longForm, /canonical DER|one DER SEQUENCE/);
  });

  it('fuzz: random, truncated and bit-flipped input yields parameters or X509MalformedError, nothing else', () => {
    const valid = encodePosternParameters(session);
    const inputs: Uint8Array[] = [];
    for (let i = 0; i < 2000; i++) inputs.push(randomBytes(1 + (i % 300)));
    for (let i = 0; i < 2000; i++) inputs.push(new Uint8Array([0x30, ...randomBytes(i % 200)]));
    for (let cut = 0; cut < valid.byteLength; cut++) inputs.push(valid.subarray(0, cut));
    for (let i = 0; i < 3000; i++) {
      const mutated = new Uint8Array(valid);
      mutated[i % mutated.byteLength]! ^= 1 << (i % 8);
      inputs.push(mutated);
    }
    let accepted = 0;
    for (const input of inputs) {
      try {
        const params = decodePosternParameters(input);
        expect(CERTIFICATE_ROLES).toContain(params.role);
        accepted++;
      } catch (error) {
        expect(error).toBeInstanceOf(X509MalformedError);
      }
    }
    // Only flips that turn one id character into another legal one can survive.
    expect(accepted).toBeLessThan(inputs.length / 10);
  });
});
