import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SshWireError } from '../errors.ts';
import { SshReader, SshWriter } from './wire.ts';

describe('SSH wire encoding', () => {
  it('reads back what it writes, field by field', () => {
    const bytes = new SshWriter()
      .writeByte(0xfe)
      .writeBoolean(true)
      .writeUint32(0xdeadbeef)
      .writeUint64(0xffffffffffffffffn)
      .writeString('héllo')
      .writeString(Uint8Array.of(0, 1, 2))
      .writeNameList(['aes128-gcm@openssh.com', 'aes256-ctr'])
      .writeNameList([])
      .writeMpint(-129n)
      .toBuffer();
    const reader = new SshReader(bytes);
    expect(reader.readByte()).toBe(0xfe);
    expect(reader.readBoolean()).toBe(true);
    expect(reader.readUint32()).toBe(0xdeadbeef);
    expect(reader.readUint64()).toBe(0xffffffffffffffffn);
    expect(reader.readText()).toBe('héllo');
    expect([...reader.readString()]).toEqual([0, 1, 2]);
    expect(reader.readNameList()).toEqual(['aes128-gcm@openssh.com', 'aes256-ctr']);
    expect(reader.readNameList()).toEqual([]);
    expect(reader.readMpint()).toBe(-129n);
    reader.expectEnd('test');
  });

  // RFC 4251 §5 mpint examples.
  it.each([
    [0n, ''],
    [0x9a378f9b2e332a7n, '0000000809a378f9b2e332a7'],
    [0x80n, '000000020080'],
    [-0x1234n, '00000002edcc'],
    [-0xdeadbeefn, '00000005ff21524111'],
  ])('encodes mpint %s as RFC 4251 does', (value, hex) => {
    const expected = hex === '' ? '00000000' : hex;
    const bytes = new SshWriter().writeMpint(value).toBuffer();
    expect(bytes.toString('hex')).toBe(expected);
    expect(new SshReader(bytes).readMpint()).toBe(value);
  });

  it('round-trips random mpints of both signs', () => {
    for (let i = 0; i < 300; i++) {
      const magnitude = BigInt(`0x${randomBytes(1 + (i % 40)).toString('hex')}`);
      const value = i % 2 ? -magnitude : magnitude;
      expect(new SshReader(new SshWriter().writeMpint(value).toBuffer()).readMpint()).toBe(value);
    }
  });

  it('refuses out-of-range values when writing', () => {
    expect(() => new SshWriter().writeUint32(2 ** 32)).toThrow(SshWireError);
    expect(() => new SshWriter().writeUint64(-1n)).toThrow(SshWireError);
    expect(() => new SshWriter().writeByte(256)).toThrow(SshWireError);
    expect(() => new SshWriter().writeNameList(['a,b'])).toThrow(SshWireError);
  });

  it('names the problem in a truncated string', () => {
    const bytes = new SshWriter().writeString('abcdef').toBuffer().subarray(0, 7);
    expect(() => new SshReader(bytes).readString()).toThrow(/string needs 6 bytes but only 3 remain/);
  });

  it('refuses a huge declared length without allocating', () => {
    expect(() => new SshReader(Uint8Array.of(0x7f, 0xff, 0xff, 0xff)).readString()).toThrow(/exceeds/);
  });

  it('refuses invalid UTF-8 and non-minimal mpints', () => {
    expect(() => new SshReader(new SshWriter().writeString(Uint8Array.of(0xc3, 0x28)).toBuffer()).readText()).toThrow(/UTF-8/);
    expect(() => new SshReader(new SshWriter().writeString(Uint8Array.of(0, 1)).toBuffer()).readMpint()).toThrow(/leading byte/);
  });

  it('survives random and truncated input with SshWireError only', () => {
    const sample = new SshWriter().writeString('ssh-ed25519').writeUint64(7n).writeNameList(['a', 'b']).writeMpint(-5n).toBuffer();
    const readers: Array<(r: SshReader) => unknown> = [
      (r) => r.readString(), (r) => r.readText(), (r) => r.readNameList(), (r) => r.readMpint(),
      (r) => r.readUint64(), (r) => r.readUint32(), (r) => r.readBoolean(),
    ];
    let failures = 0;
    for (let i = 0; i < 3000; i++) {
      const input = i % 3 === 0 ? sample.subarray(0, i % sample.length) : randomBytes(i % 64);
      const reader = new SshReader(input);
      try {
        for (let step = 0; step < 20; step++) readers[(i + step) % readers.length]!(reader);
      } catch (error) {
        expect(error).toBeInstanceOf(SshWireError);
        failures++;
      }
      expect(reader.position).toBeLessThanOrEqual(input.length);
    }
    expect(failures).toBeGreaterThan(2500);
  });
});
