/**
 * SFTP v3 (draft-ietf-secsh-filexfer-02, what OpenSSH speaks) packet decoding for the session
 * event log. Only what the log needs is decoded: request ids, paths, handles, flags and byte
 * counts. File contents are never copied: a WRITE or DATA packet is read up to its length field.
 */
import { SshReader } from './wire.ts';

export const SFTP = {
  INIT: 1, VERSION: 2, OPEN: 3, CLOSE: 4, READ: 5, WRITE: 6, LSTAT: 7, FSTAT: 8, SETSTAT: 9, FSETSTAT: 10,
  OPENDIR: 11, READDIR: 12, REMOVE: 13, MKDIR: 14, RMDIR: 15, REALPATH: 16, STAT: 17, RENAME: 18,
  READLINK: 19, SYMLINK: 20, EXTENDED: 200,
  STATUS: 101, HANDLE: 102, DATA: 103, NAME: 104, ATTRS: 105, EXTENDED_REPLY: 201,
} as const;

/** SSH_FXF_* open flags. */
export const SFTP_OPEN_FLAGS = { READ: 0x1, WRITE: 0x2, APPEND: 0x4, CREAT: 0x8, TRUNC: 0x10, EXCL: 0x20 } as const;

export const SFTP_STATUS_OK = 0;

/** A client → server request, reduced to what the event log uses. */
export type SftpRequest =
  | { kind: 'open'; id: number; path: string; flags: number }
  | { kind: 'opendir'; id: number; path: string }
  | { kind: 'close'; id: number; handle: string }
  | { kind: 'read'; id: number; handle: string; length: number }
  | { kind: 'write'; id: number; handle: string; bytes: number }
  | { kind: 'path-op'; id: number; op: 'remove' | 'mkdir' | 'rmdir' | 'setstat'; path: string }
  | { kind: 'rename'; id: number; path: string; newPath: string }
  | { kind: 'symlink'; id: number; path: string; target: string }
  | { kind: 'other'; id: number; type: number };

/** A server → client response, reduced to what the event log uses. */
export type SftpResponse =
  | { kind: 'status'; id: number; code: number; message: string }
  | { kind: 'handle'; id: number; handle: string }
  | { kind: 'data'; id: number; bytes: number }
  | { kind: 'other'; id: number; type: number };

/** Paths and handles are bytes on the wire; decoding leniently keeps odd file names visible. */
function text(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/** Handles are opaque bytes: hex keeps them exact as map keys. */
function handleKey(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

const PATH_OPS: Record<number, 'remove' | 'mkdir' | 'rmdir' | 'setstat'> = {
  [SFTP.REMOVE]: 'remove', [SFTP.MKDIR]: 'mkdir', [SFTP.RMDIR]: 'rmdir', [SFTP.SETSTAT]: 'setstat',
};

/**
 * Decodes a request from a packet's head: `head` is the packet body (type byte first, without the
 * uint32 length) possibly cut short for large packets. Throws SshWireError when the head is too
 * short for the fields it must hold. INIT carries no id and is reported as id -1.
 */
export function decodeSftpRequest(head: Uint8Array): SftpRequest {
  const reader = new SshReader(head);
  const type = reader.readByte();
  if (type === SFTP.INIT) return { kind: 'other', id: -1, type };
  const id = reader.readUint32();
  switch (type) {
    case SFTP.OPEN: {
      const path = text(reader.readString());
      return { kind: 'open', id, path, flags: reader.readUint32() };
    }
    case SFTP.OPENDIR: return { kind: 'opendir', id, path: text(reader.readString()) };
    case SFTP.CLOSE: return { kind: 'close', id, handle: handleKey(reader.readString()) };
    case SFTP.READ: {
      const handle = handleKey(reader.readString());
      reader.readUint64();
      return { kind: 'read', id, handle, length: reader.readUint32() };
    }
    case SFTP.WRITE: {
      const handle = handleKey(reader.readString());
      reader.readUint64();
      // The data's length field, not the data: the head may end right after it.
      return { kind: 'write', id, handle, bytes: reader.readUint32() };
    }
    case SFTP.RENAME: {
      const path = text(reader.readString());
      return { kind: 'rename', id, path, newPath: text(reader.readString()) };
    }
    case SFTP.SYMLINK: {
      const path = text(reader.readString());
      return { kind: 'symlink', id, path, target: text(reader.readString()) };
    }
    case SFTP.EXTENDED: return decodeExtendedRequest(id, reader);
    default: {
      const op = PATH_OPS[type];
      return op ? { kind: 'path-op', id, op, path: text(reader.readString()) } : { kind: 'other', id, type };
    }
  }
}

/** OpenSSH's sftp and scp rename through posix-rename@openssh.com when the server offers it. */
function decodeExtendedRequest(id: number, reader: SshReader): SftpRequest {
  const name = text(reader.readString());
  if (name === 'posix-rename@openssh.com') {
    const path = text(reader.readString());
    return { kind: 'rename', id, path, newPath: text(reader.readString()) };
  }
  return { kind: 'other', id, type: SFTP.EXTENDED };
}

/** Decodes a response head (see decodeSftpRequest). VERSION carries no id and is reported as id -1. */
export function decodeSftpResponse(head: Uint8Array): SftpResponse {
  const reader = new SshReader(head);
  const type = reader.readByte();
  if (type === SFTP.VERSION) return { kind: 'other', id: -1, type };
  const id = reader.readUint32();
  switch (type) {
    case SFTP.STATUS: {
      const code = reader.readUint32();
      // Some servers omit the message (SFTP v1/v2 style); the code alone is enough.
      const message = reader.remaining >= 4 ? text(reader.readString()) : '';
      return { kind: 'status', id, code, message };
    }
    case SFTP.HANDLE: return { kind: 'handle', id, handle: handleKey(reader.readString()) };
    case SFTP.DATA: return { kind: 'data', id, bytes: reader.readUint32() };
    default: return { kind: 'other', id, type };
  }
}
