/**
 * Segment files: a session's sealed chunks appended one after another to one spool file, each
 * framed as `length u32 BE | sealed chunk`, a new file every CHUNKS_PER_SEGMENT chunks.
 * Why not a file per chunk: creating a file cost 0.5–1 ms of CPU on the bench machine (ext4 on
 * a shared virtual disk), ten times what appending the same bytes to an open file costs, and it
 * was most of what recording cost a bulk session. A crash in the middle of an append leaves a
 * torn last frame; the reader stops at the first frame that is not a whole chunk, so what it
 * returns is exactly the chunks that were whole (the torn one is lost, like an unsealed buffer).
 */
import { CHUNK_OVERHEAD_BYTES, readChunkHeader } from '@postern/shared/recording/chunk';

export const SEGMENT_FRAME_HEADER_BYTES = 4;
/** 16 chunks of 448 KiB: about 7 MiB on disk until the segment is uploaded and removed. */
export const CHUNKS_PER_SEGMENT = 16;
/** Larger than any chunk the server takes: a frame length beyond it is damage, not data. */
const MAX_FRAME_BYTES = 1024 * 1024;

/** `<first index, 10 digits>.<writer>.segment`; the writer id tells this process's open segments from a dead one's. */
export const SEGMENT_FILE = /^(\d{10})\.([0-9a-f]{16})\.segment$/;

export function segmentName(firstIndex: number, writer: string): string {
  return `${String(firstIndex).padStart(10, '0')}.${writer}.segment`;
}

/** The frame header that goes before a sealed chunk of `sealedLength` bytes. */
export function segmentFrameHeader(sealedLength: number): Buffer {
  const header = Buffer.alloc(SEGMENT_FRAME_HEADER_BYTES);
  header.writeUInt32BE(sealedLength, 0);
  return header;
}

export interface SegmentFrame {
  index: number;
  final: boolean;
  /** Where the sealed chunk starts in the file, and its length. */
  offset: number;
  length: number;
}

/** The whole frames of a segment in order, up to the first torn or damaged one. */
export function parseSegment(bytes: Uint8Array): SegmentFrame[] {
  const frames: SegmentFrame[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;
  while (bytes.length - offset >= SEGMENT_FRAME_HEADER_BYTES) {
    const length = view.getUint32(offset);
    const start = offset + SEGMENT_FRAME_HEADER_BYTES;
    if (length < CHUNK_OVERHEAD_BYTES || length > MAX_FRAME_BYTES || start + length > bytes.length) break;
    let header;
    try {
      header = readChunkHeader(bytes.subarray(start, start + length));
    } catch {
      break;
    }
    // A segment holds consecutive indexes: anything else is damage.
    const previous = frames.at(-1);
    if (previous && (header.index !== previous.index + 1 || previous.final)) break;
    frames.push({ index: header.index, final: header.final, offset: start, length });
    offset = start + length;
  }
  return frames;
}
