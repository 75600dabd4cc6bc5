/**
 * Turns the two directions of an SFTP conversation into file operation events for the session
 * log: open, read, write, close (with paths and byte counts), remove, rename, mkdir, rmdir,
 * setstat, symlink, opendir. Requests are paired with their responses by request id, so an
 * operation is logged with its outcome; reads and writes are summed per open file and logged
 * when the file is closed, not per packet.
 */
import { SftpFramer } from './sftp-framer.ts';
import { decodeSftpRequest, decodeSftpResponse, SFTP_OPEN_FLAGS, SFTP_STATUS_OK, type SftpRequest, type SftpResponse } from './sftp-packets.ts';

export type SftpOperation = 'open' | 'opendir' | 'read' | 'write' | 'close' | 'remove' | 'rename' | 'mkdir' | 'rmdir' | 'setstat' | 'symlink';

export interface SftpEvent {
  op: SftpOperation;
  path: string;
  /** Bytes moved: read/write per file, their sum on close. */
  bytes?: number;
  newPath?: string;
  /** open: 'read', 'write' or 'read-write'. */
  mode?: string;
  /** Set when the server refused the operation: its status message (or code). */
  error?: string;
}

interface OpenFile {
  path: string;
  directory: boolean;
  bytesRead: number;
  bytesWritten: number;
}

/** Requests waiting for a reply; bounded so a client that never gets answers cannot grow it. */
const MAX_PENDING = 4_096;

function openMode(flags: number): string {
  const read = (flags & SFTP_OPEN_FLAGS.READ) !== 0;
  const write = (flags & (SFTP_OPEN_FLAGS.WRITE | SFTP_OPEN_FLAGS.APPEND)) !== 0;
  return read && write ? 'read-write' : write ? 'write' : 'read';
}

export class SftpEventLog {
  private readonly pending = new Map<number, SftpRequest>();
  private readonly files = new Map<string, OpenFile>();
  readonly requests: SftpFramer;
  readonly responses: SftpFramer;

  /** @param emit told each event; @param onDesync told when a direction stops parsing as SFTP */
  constructor(private readonly emit: (event: SftpEvent) => void, onDesync: (reason: string) => void = () => {}) {
    this.requests = new SftpFramer((head) => this.onRequest(decodeSftpRequest(head)), onDesync);
    this.responses = new SftpFramer((head) => this.onResponse(decodeSftpResponse(head)), onDesync);
  }

  /** Feed bytes the client sent toward the server. Never throws. */
  clientBytes(chunk: Uint8Array): void {
    this.safely(() => this.requests.push(chunk));
  }

  /** Feed bytes the server sent toward the client. Never throws. */
  serverBytes(chunk: Uint8Array): void {
    this.safely(() => this.responses.push(chunk));
  }

  /** The channel closed: report files left open (the transfer was cut short) as closed. */
  end(): void {
    for (const file of this.files.values()) this.reportClose(file);
    this.files.clear();
    this.pending.clear();
  }

  private safely(work: () => void): void {
    try {
      work();
    } catch {
      // A packet we cannot decode is skipped: the log loses one entry, the transfer goes on.
    }
  }

  private remember(request: SftpRequest): void {
    if (this.pending.size >= MAX_PENDING) {
      const oldest = this.pending.keys().next();
      if (!oldest.done) this.pending.delete(oldest.value);
    }
    this.pending.set(request.id, request);
  }

  private onRequest(request: SftpRequest): void {
    switch (request.kind) {
      case 'write': {
        const file = this.files.get(request.handle);
        if (file) file.bytesWritten += request.bytes;
        return;
      }
      case 'close': {
        const file = this.files.get(request.handle);
        if (file) {
          this.files.delete(request.handle);
          this.reportClose(file);
        }
        return;
      }
      case 'other': return;
      default: this.remember(request);
    }
  }

  private onResponse(response: SftpResponse): void {
    const request = this.pending.get(response.id);
    if (!request) return;
    this.pending.delete(response.id);
    if (request.kind === 'read') {
      const file = this.files.get(request.handle);
      if (file && response.kind === 'data') file.bytesRead += response.bytes;
      return;
    }
    const error = response.kind === 'status' && response.code !== SFTP_STATUS_OK
      ? (response.message || `status ${response.code}`) : undefined;
    this.report(request, response, error);
  }

  private report(request: SftpRequest, response: SftpResponse, error: string | undefined): void {
    const outcome = error === undefined ? {} : { error };
    switch (request.kind) {
      case 'open':
      case 'opendir': {
        const directory = request.kind === 'opendir';
        if (response.kind === 'handle') this.files.set(response.handle, { path: request.path, directory, bytesRead: 0, bytesWritten: 0 });
        else if (error === undefined) return;
        this.emit({ op: request.kind, path: request.path, ...(directory ? {} : { mode: openMode(request.flags) }), ...outcome });
        return;
      }
      case 'path-op': this.emit({ op: request.op, path: request.path, ...outcome }); return;
      case 'rename': this.emit({ op: 'rename', path: request.path, newPath: request.newPath, ...outcome }); return;
      case 'symlink': this.emit({ op: 'symlink', path: request.path, newPath: request.target, ...outcome }); return;
      default: return;
    }
  }

  private reportClose(file: OpenFile): void {
    if (file.directory) return;
    if (file.bytesRead > 0) this.emit({ op: 'read', path: file.path, bytes: file.bytesRead });
    if (file.bytesWritten > 0) this.emit({ op: 'write', path: file.path, bytes: file.bytesWritten });
    this.emit({ op: 'close', path: file.path, bytes: file.bytesRead + file.bytesWritten });
  }
}
