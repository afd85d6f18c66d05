/**
 * Segment files and directories: naming (eight decimal digits: 00000000, 00000001, …; a
 * checkpoint is a directory checkpoint.NNNNNNNN holding its own numbered segments), listing a WAL
 * directory, and reading one segment's records with damage detection.
 */
import { join } from 'node:path';
import { DecodeError } from './bytes.ts';
import { CorruptionError } from './errors.ts';
import { checkSegmentHeader, readFrame, SEGMENT_HEADER_SIZE, type Frame } from './frame.ts';
import { decodeRecord } from './record-decode.ts';
import type { WALRecord } from './record.ts';
import { XorState } from './xor-state.ts';

const SEGMENT_RE = /^\d{8}$/;
const CHECKPOINT_RE = /^checkpoint\.(\d{8})$/;
const CHECKPOINT_TMP_RE = /^checkpoint\.\d{8}\.tmp$/;

/** segmentName formats a segment number as its file name. */
export function segmentName(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 99_999_999) throw new Error(`BUG: segment number ${n} out of range`);
  return String(n).padStart(8, '0');
}

/** checkpointName: the directory of the checkpoint covering segments up to and including n. */
export function checkpointName(n: number): string {
  return `checkpoint.${segmentName(n)}`;
}

/** DirListing: what a WAL directory (or a checkpoint directory) holds, sorted ascending. */
export interface DirListing {
  segments: number[];
  checkpoints: number[];
  /** Leftover temporary checkpoint directories (names). */
  temporary: string[];
}

/** parseListing sorts directory entry names into segments, checkpoints and temporaries. */
export function parseListing(names: readonly string[]): DirListing {
  const out: DirListing = { segments: [], checkpoints: [], temporary: [] };
  for (const name of names) {
    if (SEGMENT_RE.test(name)) out.segments.push(Number(name));
    else if (CHECKPOINT_TMP_RE.test(name)) out.temporary.push(name);
    else {
      const m = CHECKPOINT_RE.exec(name);
      if (m) out.checkpoints.push(Number(m[1]));
    }
  }
  out.segments.sort((a, b) => a - b);
  out.checkpoints.sort((a, b) => a - b);
  return out;
}

/**
 * checkContiguous throws when the segment numbers have a gap: a missing segment in the middle
 * means lost data that repair cannot recover, so opening stops there rather than guessing.
 */
export function checkContiguous(dir: string, segments: readonly number[]): void {
  for (let i = 1; i < segments.length; i++) {
    if (segments[i] !== segments[i - 1] + 1) {
      throw new Error(`WAL ${dir}: segments are not contiguous: ${segmentName(segments[i - 1])} is followed by ${segmentName(segments[i])}`);
    }
  }
}

/** SegmentEnd: how reading a segment ended. */
export interface SegmentEnd {
  /** The offset after the last intact record. */
  end: number;
  records: number;
  /** Set when the segment is damaged at `end`. */
  corruption?: CorruptionError;
}

/**
 * readSegment yields the records of one segment file's bytes in order, and returns how it ended:
 * at the end of the file, or at the first damaged frame (reported in `corruption`, never thrown).
 */
export function readSegment(file: string, segment: number, buf: Uint8Array): Generator<WALRecord, SegmentEnd> {
  return readFrames(file, segment, buf, (frame, xor) => decodeRecord(frame.type, buf, frame.start, frame.end, xor));
}

/**
 * readFrames yields `read(frame, xor)` for every intact frame of one segment file's bytes, in
 * order, with the segment's XOR state (which a reader of samples records must keep up to date),
 * and ends as readSegment does. A DecodeError thrown by `read` ends the segment as damaged at
 * that frame. Reading the frames without decoding every record lets a checkpoint pass over
 * what it drops (or copies whole) without building it.
 */
export function* readFrames<T>(file: string, segment: number, buf: Uint8Array, read: (frame: Frame, xor: XorState) => T): Generator<T, SegmentEnd> {
  const bad = checkSegmentHeader(buf);
  if (bad) return { end: 0, records: 0, corruption: new CorruptionError(file, segment, 0, bad) };
  const xor = new XorState();
  const frame: Frame = { type: 0, start: 0, end: 0 };
  let off = SEGMENT_HEADER_SIZE;
  let records = 0;
  while (off < buf.length) {
    const why = readFrame(buf, off, frame);
    if (why) return { end: off, records, corruption: new CorruptionError(file, segment, off, why) };
    let out: T;
    try {
      out = read(frame, xor);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      return { end: off, records, corruption: new CorruptionError(file, segment, off, `undecodable record: ${err.message}`) };
    }
    off = frame.end;
    records++;
    yield out;
  }
  return { end: off, records };
}

/** segmentPath joins a directory and a segment number. */
export function segmentPath(dir: string, n: number): string {
  return join(dir, segmentName(n));
}
