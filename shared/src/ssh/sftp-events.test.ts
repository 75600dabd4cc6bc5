import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SshWireError } from '../errors.ts';
import { SftpEventLog, type SftpEvent } from './sftp-events.ts';
import { SftpFramer, SFTP_HEAD_BYTES } from './sftp-framer.ts';
import { decodeSftpRequest, decodeSftpResponse, SFTP, SFTP_OPEN_FLAGS } from './sftp-packets.ts';
import { SshWriter } from './wire.ts';

/** One SFTP packet on the wire: uint32 length, type, body. */
function packet(type: number, build: (writer: SshWriter) => void = () => {}): Buffer {
  const body = new SshWriter().writeByte(type);
  build(body);
  const bytes = body.toBuffer();
  return Buffer.concat([new SshWriter().writeUint32(bytes.length).toBuffer(), bytes]);
}

const handle = Buffer.from([0, 0, 0, 7]);
const req = {
  init: () => packet(SFTP.INIT, (w) => w.writeUint32(3)),
  open: (id: number, path: string, flags: number) => packet(SFTP.OPEN, (w) => w.writeUint32(id).writeString(path).writeUint32(flags).writeUint32(0)),
  write: (id: number, data: Buffer) => packet(SFTP.WRITE, (w) => w.writeUint32(id).writeString(handle).writeUint64(0n).writeString(data)),
  read: (id: number, length: number) => packet(SFTP.READ, (w) => w.writeUint32(id).writeString(handle).writeUint64(0n).writeUint32(length)),
  close: (id: number) => packet(SFTP.CLOSE, (w) => w.writeUint32(id).writeString(handle)),
  remove: (id: number, path: string) => packet(SFTP.REMOVE, (w) => w.writeUint32(id).writeString(path)),
  rename: (id: number, from: string, to: string) => packet(SFTP.RENAME, (w) => w.writeUint32(id).writeString(from).writeString(to)),
  posixRename: (id: number, from: string, to: string) => packet(SFTP.EXTENDED, (w) => w.writeUint32(id).writeString('posix-rename@openssh.com').writeString(from).writeString(to)),
  mkdir: (id: number, path: string) => packet(SFTP.MKDIR, (w) => w.writeUint32(id).writeString(path).writeUint32(0)),
};
const res = {
  version: () => packet(SFTP.VERSION, (w) => w.writeUint32(3)),
  handle: (id: number) => packet(SFTP.HANDLE, (w) => w.writeUint32(id).writeString(handle)),
  status: (id: number, code = 0, message = 'Success') => packet(SFTP.STATUS, (w) => w.writeUint32(id).writeUint32(code).writeString(message).writeString('')),
  data: (id: number, data: Buffer) => packet(SFTP.DATA, (w) => w.writeUint32(id).writeString(data)),
};

function conversation(): Array<['c' | 's', Buffer]> {
  return [
    ['c', req.init()], ['s', res.version()],
    ['c', req.mkdir(1, '/srv/new')], ['s', res.status(1)],
    ['c', req.open(2, '/srv/new/a.txt', SFTP_OPEN_FLAGS.WRITE | SFTP_OPEN_FLAGS.CREAT | SFTP_OPEN_FLAGS.TRUNC)],
    ['s', res.handle(2)],
    // Two writes (and below two reads) in flight before their replies, as sftp and scp pipeline them.
    ['c', req.write(3, Buffer.alloc(40_000, 1))], ['c', req.write(4, Buffer.alloc(2_000, 2))],
    ['s', res.status(3)], ['s', res.status(4)],
    ['c', req.close(5)], ['s', res.status(5)],
    ['c', req.open(6, '/srv/new/a.txt', SFTP_OPEN_FLAGS.READ)], ['s', res.handle(6)],
    ['c', req.read(7, 32_768)], ['c', req.read(8, 32_768)],
    ['s', res.data(7, Buffer.alloc(32_768))], ['s', res.data(8, Buffer.alloc(9_232))],
    ['c', req.close(9)], ['s', res.status(9)],
    ['c', req.rename(10, '/srv/new/a.txt', '/srv/new/b.txt')], ['s', res.status(10)],
    ['c', req.posixRename(11, '/srv/new/b.txt', '/srv/new/c.txt')], ['s', res.status(11)],
    ['c', req.remove(12, '/srv/new/missing')], ['s', res.status(12, 2, 'No such file')],
  ];
}

const EXPECTED: SftpEvent[] = [
  { op: 'mkdir', path: '/srv/new' },
  { op: 'open', path: '/srv/new/a.txt', mode: 'write' },
  { op: 'write', path: '/srv/new/a.txt', bytes: 42_000 },
  { op: 'close', path: '/srv/new/a.txt', bytes: 42_000 },
  { op: 'open', path: '/srv/new/a.txt', mode: 'read' },
  { op: 'read', path: '/srv/new/a.txt', bytes: 42_000 },
  { op: 'close', path: '/srv/new/a.txt', bytes: 42_000 },
  { op: 'rename', path: '/srv/new/a.txt', newPath: '/srv/new/b.txt' },
  { op: 'rename', path: '/srv/new/b.txt', newPath: '/srv/new/c.txt' },
  { op: 'remove', path: '/srv/new/missing', error: 'No such file' },
];

function replay(chunks: Array<['c' | 's', Buffer]>, split: (bytes: Buffer) => Buffer[]): SftpEvent[] {
  const events: SftpEvent[] = [];
  const log = new SftpEventLog((event) => events.push(event));
  for (const [side, bytes] of chunks) {
    for (const piece of split(bytes)) (side === 'c' ? log.clientBytes(piece) : log.serverBytes(piece));
  }
  return events;
}

describe('SftpEventLog', () => {
  it('turns a conversation into file operation events with paths, modes, byte counts and failures', () => {
    expect(replay(conversation(), (bytes) => [bytes])).toEqual(EXPECTED);
  });

  it('gives the same events however the bytes are split (1-byte and random chunks, coalesced packets)', () => {
    expect(replay(conversation(), (bytes) => [...bytes].map((byte) => Buffer.from([byte])))).toEqual(EXPECTED);
    const randomSplit = (bytes: Buffer) => {
      const pieces: Buffer[] = [];
      for (let at = 0; at < bytes.length;) {
        const size = 1 + Math.floor(Math.random() * 5_000);
        pieces.push(bytes.subarray(at, at + size));
        at += size;
      }
      return pieces;
    };
    expect(replay(conversation(), randomSplit)).toEqual(EXPECTED);
    const merged: Array<['c' | 's', Buffer]> = [];
    for (const [side, bytes] of conversation()) {
      const last = merged.at(-1);
      if (last && last[0] === side) last[1] = Buffer.concat([last[1], bytes]);
      else merged.push([side, bytes]);
    }
    expect(replay(merged, (bytes) => [bytes])).toEqual(EXPECTED);
  });

  it('reports files still open when the channel ends as closed', () => {
    const events: SftpEvent[] = [];
    const log = new SftpEventLog((event) => events.push(event));
    log.clientBytes(req.open(1, '/tmp/cut', SFTP_OPEN_FLAGS.WRITE));
    log.serverBytes(res.handle(1));
    log.clientBytes(req.write(2, Buffer.alloc(10)));
    log.end();
    expect(events).toEqual([{ op: 'open', path: '/tmp/cut', mode: 'write' }, { op: 'write', path: '/tmp/cut', bytes: 10 }, { op: 'close', path: '/tmp/cut', bytes: 10 }]);
  });

  it('never throws on random or truncated input, and stops parsing a stream that is not SFTP', () => {
    const desyncs: string[] = [];
    for (let round = 0; round < 500; round++) {
      const log = new SftpEventLog(() => {}, (reason) => desyncs.push(reason));
      const valid = Buffer.concat(conversation().map(([, bytes]) => bytes));
      const mutated = Buffer.from(valid.subarray(0, Math.floor(Math.random() * valid.length)));
      for (let flips = 0; flips < 5; flips++) mutated[Math.floor(Math.random() * mutated.length)] = Math.floor(Math.random() * 256);
      expect(() => {
        log.clientBytes(mutated);
        log.serverBytes(randomBytes(Math.floor(Math.random() * 2_000)));
        log.end();
      }).not.toThrow();
    }
    expect(desyncs.length).toBeGreaterThan(0);
  });
});

describe('SFTP packet decoding', () => {
  it('reads a WRITE head up to the data length without the data', () => {
    const full = req.write(9, Buffer.alloc(100_000));
    const head = full.subarray(4, 4 + 40);
    expect(decodeSftpRequest(head)).toEqual({ kind: 'write', id: 9, handle: '00000007', bytes: 100_000 });
  });

  it('throws SshWireError when a head is too short for its fields', () => {
    expect(() => decodeSftpRequest(req.open(1, '/a', 1).subarray(4, 10))).toThrow(SshWireError);
    expect(() => decodeSftpResponse(Buffer.from([SFTP.STATUS, 0, 0]))).toThrow(SshWireError);
  });

  it('keeps at most SFTP_HEAD_BYTES of a packet and reports its full length', () => {
    const seen: Array<[number, number]> = [];
    const framer = new SftpFramer((head, length) => seen.push([head.length, length]));
    framer.push(req.write(1, Buffer.alloc(200_000)));
    framer.push(req.close(2));
    expect(seen).toEqual([[SFTP_HEAD_BYTES, 200_000 + 1 + 4 + 4 + 4 + 8 + 4], [13, 13]]);
  });
});
