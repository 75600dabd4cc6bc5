/**
 * Splits one direction of an SFTP byte stream into packets and hands on each packet's head (its
 * first bytes, enough for every field the event log reads) without buffering file contents.
 * The bytes themselves are forwarded untouched by the caller; this only watches them.
 */

/** Longest head kept per packet: a path (PATH_MAX 4096) twice over plus the fixed fields. */
export const SFTP_HEAD_BYTES = 8_448;
/** OpenSSH caps SFTP packets at 256 KiB; anything near this is not SFTP any more. */
export const SFTP_MAX_PACKET_BYTES = 16 * 1024 * 1024;

export class SftpFramer {
  private lengthBytes = Buffer.alloc(4);
  private lengthFilled = 0;
  /** Bytes of the current packet body still to come; -1 while reading the length. */
  private bodyLeft = -1;
  private bodyLength = 0;
  private head: Buffer = Buffer.alloc(0);
  private headFilled = 0;
  private broken = false;

  /**
   * @param onPacket told each packet's head (the body from the type byte, cut at SFTP_HEAD_BYTES)
   * @param onDesync told once when the stream stops looking like SFTP; the framer then goes quiet
   */
  constructor(
    private readonly onPacket: (head: Buffer, bodyLength: number) => void,
    private readonly onDesync: (reason: string) => void = () => {},
  ) {}

  push(chunk: Uint8Array): void {
    let offset = 0;
    while (!this.broken && offset < chunk.length) {
      offset = this.bodyLeft < 0 ? this.readLength(chunk, offset) : this.readBody(chunk, offset);
    }
  }

  private readLength(chunk: Uint8Array, offset: number): number {
    const take = Math.min(4 - this.lengthFilled, chunk.length - offset);
    this.lengthBytes.set(chunk.subarray(offset, offset + take), this.lengthFilled);
    this.lengthFilled += take;
    if (this.lengthFilled === 4) {
      const length = this.lengthBytes.readUInt32BE(0);
      if (length === 0 || length > SFTP_MAX_PACKET_BYTES) {
        this.broken = true;
        this.onDesync(`packet length ${length} is not SFTP`);
        return chunk.length;
      }
      this.lengthFilled = 0;
      this.bodyLeft = length;
      this.bodyLength = length;
      this.head = Buffer.allocUnsafe(Math.min(length, SFTP_HEAD_BYTES));
      this.headFilled = 0;
    }
    return offset + take;
  }

  private readBody(chunk: Uint8Array, offset: number): number {
    const headWant = this.head.length - this.headFilled;
    if (headWant > 0) {
      const take = Math.min(headWant, chunk.length - offset);
      this.head.set(chunk.subarray(offset, offset + take), this.headFilled);
      this.headFilled += take;
      this.bodyLeft -= take;
      offset += take;
    }
    const skip = Math.min(this.bodyLeft - (this.head.length - this.headFilled), chunk.length - offset);
    if (skip > 0) {
      this.bodyLeft -= skip;
      offset += skip;
    }
    if (this.bodyLeft === 0) {
      this.bodyLeft = -1;
      this.onPacket(this.head, this.bodyLength);
    }
    return offset;
  }
}
