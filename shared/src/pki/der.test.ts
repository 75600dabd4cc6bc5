import { fromBER, Integer, Sequence } from 'asn1js';
import { describe, expect, it } from 'vitest';
import { derBitString, derExplicit, derSequence, derTlv, derUnsignedInteger } from './der.ts';

describe('DER framing', () => {
  it('uses short and long definite lengths at their boundaries', () => {
    expect(derTlv(0x04, Buffer.alloc(127)).subarray(0, 2).toString('hex')).toBe('047f');
    expect(derTlv(0x04, Buffer.alloc(128)).subarray(0, 3).toString('hex')).toBe('048180');
    expect(derTlv(0x04, Buffer.alloc(256)).subarray(0, 4).toString('hex')).toBe('04820100');
    expect(derTlv(0x04, Buffer.alloc(70000)).subarray(0, 5).toString('hex')).toBe('0483011170');
  });

  it('encodes unsigned integers minimally, padding a set top bit', () => {
    expect(derUnsignedInteger(Buffer.from('0001', 'hex')).toString('hex')).toBe('020101');
    expect(derUnsignedInteger(Buffer.from('80', 'hex')).toString('hex')).toBe('02020080');
    expect(derUnsignedInteger(Buffer.from('0000', 'hex')).toString('hex')).toBe('020100');
    const parsed = fromBER(derUnsignedInteger(Buffer.from('ff00', 'hex'))).result as Integer;
    expect(parsed.toBigInt()).toBe(0xff00n);
  });

  it('nests into structures asn1js reads back unchanged', () => {
    const der = derSequence(derExplicit(0, derUnsignedInteger(Buffer.from([2]))), derBitString(Buffer.from('abcd', 'hex')));
    expect(der.toString('hex')).toBe('300aa003020102030300abcd');
    const parsed = fromBER(der);
    expect(parsed.offset).toBe(der.length);
    expect(Buffer.from((parsed.result as Sequence).toBER()).equals(der)).toBe(true);
  });
});
