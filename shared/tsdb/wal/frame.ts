/**
 * Frames: how records sit in a segment file. Every segment starts with an 8-byte header (magic
 * "OWAL", format version, three zero bytes); then frames follow back to back, each a 9-byte header
 * (record type, payload length, CRC-32C) and the payload. The CRC covers the type and length
 * bytes and the payload, so a torn or damaged frame is detected wherever the damage falls.
 */
import { crc32c } from './crc32c.ts';
import type { ByteWriter } from './bytes.ts';

export const SEGMENT_MAGIC = 0x4c41574f; // "OWAL" read as a little-endian u32
export const SEGMENT_VERSION = 1;
export const SEGMENT_HEADER_SIZE = 8;
export const FRAME_HEADER_SIZE = 9;
/** MAX_PAYLOAD: the largest record payload a frame may carry (1 GiB). */
export const MAX_PAYLOAD = 1 << 30;

/** writeSegmentHeader appends the segment header to `w`. */
export function writeSegmentHeader(w: ByteWriter): void {
  w.u32(SEGMENT_MAGIC);
  w.u8(SEGMENT_VERSION);
  w.u8(0);
  w.u8(0);
  w.u8(0);
}

/**
 * checkSegmentHeader returns why `buf` does not start with a valid segment header, or '' when it
 * does.
 */
export function checkSegmentHeader(buf: Uint8Array): string {
  if (buf.length < SEGMENT_HEADER_SIZE) return `segment header torn: ${buf.length} of ${SEGMENT_HEADER_SIZE} bytes`;
  const magic = (buf[0] | (buf[1] << 8) | (buf[2] << 16) | (buf[3] << 24)) >>> 0;
  if (magic !== SEGMENT_MAGIC) return `bad segment magic 0x${magic.toString(16)}`;
  if (buf[4] !== SEGMENT_VERSION) return `unsupported segment version ${buf[4]}`;
  return '';
}

/**
 * beginFrame reserves a frame header in `w` and returns its offset; the caller appends the
 * payload and then calls endFrame with the same offset.
 */
export function beginFrame(w: ByteWriter, type: number): number {
  const at = w.len;
  w.ensure(FRAME_HEADER_SIZE);
  w.buf[at] = type;
  w.len = at + FRAME_HEADER_SIZE;
  return at;
}

/** endFrame fills in the length and checksum of the frame begun at `at`. */
export function endFrame(w: ByteWriter, at: number): void {
  const n = w.len - at - FRAME_HEADER_SIZE;
  if (n > MAX_PAYLOAD) throw new Error(`BUG: WAL record payload of ${n} bytes exceeds ${MAX_PAYLOAD}; split the batch`);
  w.setU32(at + 1, n);
  const crc = crc32c(w.buf, at + FRAME_HEADER_SIZE, w.len, crc32c(w.buf, at, at + 5));
  w.setU32(at + 5, crc);
}

/** Frame: one frame found in a segment buffer; its payload is buf[start, end). */
export interface Frame {
  type: number;
  start: number;
  end: number;
}

/**
 * readFrame parses the frame at `off` of `buf` into `out` and returns '' — or returns why the
 * bytes at `off` are not a whole, intact frame. Call it only while off < buf.length.
 */
export function readFrame(buf: Uint8Array, off: number, out: Frame): string {
  const left = buf.length - off;
  if (left < FRAME_HEADER_SIZE) return `torn frame header: ${left} of ${FRAME_HEADER_SIZE} bytes`;
  const type = buf[off];
  if (type === 0) return 'record type 0 (zeroed or unwritten space)';
  const n = (buf[off + 1] | (buf[off + 2] << 8) | (buf[off + 3] << 16) | (buf[off + 4] << 24)) >>> 0;
  if (n > MAX_PAYLOAD) return `record length ${n} exceeds the maximum ${MAX_PAYLOAD}`;
  if (n > left - FRAME_HEADER_SIZE) return `torn record: length ${n}, ${left - FRAME_HEADER_SIZE} bytes left in file`;
  const want = (buf[off + 5] | (buf[off + 6] << 8) | (buf[off + 7] << 16) | (buf[off + 8] << 24)) >>> 0;
  const start = off + FRAME_HEADER_SIZE;
  const got = crc32c(buf, start, start + n, crc32c(buf, off, off + 5));
  if (got !== want) return `checksum mismatch: stored 0x${want.toString(16)}, computed 0x${got.toString(16)}`;
  out.type = type;
  out.start = start;
  out.end = start + n;
  return '';
}
