/**
 * Record decoding: turns a frame's payload back into a WALRecord, the inverse of
 * record-encode.ts. Malformed payloads throw DecodeError; the segment reader turns that into a
 * CorruptionError at the frame's offset.
 */
import { Labels } from '../../model/labels.ts';
import { ByteReader, DecodeError } from './bytes.ts';
import { SAMPLES_PER_SAMPLE_T, SAMPLES_XOR, XOR_ZERO } from './record-encode.ts';
import {
  RECORD_POSITION,
  RECORD_SAMPLES,
  RECORD_SERIES,
  type PositionRecord,
  type SamplesRecord,
  type SeriesEntry,
  type SeriesRecord,
  type WALRecord,
} from './record.ts';
import type { XorState } from './xor-state.ts';

const cur = new Uint32Array(2);
const utf8 = new TextDecoder();

/**
 * decodeRecord decodes the payload buf[start, end) of a frame of `type`. Samples records read and
 * update `xor`, the state of the segment being read, in file order.
 */
export function decodeRecord(type: number, buf: Uint8Array, start: number, end: number, xor: XorState): WALRecord {
  const r = new ByteReader(buf, start, end);
  let rec: WALRecord;
  switch (type) {
    case RECORD_SERIES:
      rec = decodeSeries(r);
      break;
    case RECORD_SAMPLES:
      rec = decodeSamples(r, xor);
      break;
    case RECORD_POSITION:
      rec = decodePosition(r);
      break;
    default:
      throw new DecodeError(`unknown record type ${type}`);
  }
  if (r.pos !== end) throw new DecodeError(`${end - r.pos} stray bytes after the record`);
  return rec;
}

function decodeSeries(r: ByteReader): SeriesRecord {
  const n = r.uvarint();
  if (n > r.remaining) throw new DecodeError(`series count ${n} exceeds the payload`);
  const series: SeriesEntry[] = new Array(n);
  let ref = 0;
  for (let i = 0; i < n; i++) {
    ref = readSeriesRef(r, ref);
    const flat: string[] = [];
    readSeriesLabels(r, ref, flat);
    series[i] = { ref, labels: Labels.fromSortedFlat(flat) };
  }
  return { type: 'series', series };
}

/**
 * readSeriesRef reads the ref that begins an entry of a series record (docs/wal-format.md), coded
 * as the difference from the previous entry's, `prev` (0 for the first).
 */
export function readSeriesRef(r: ByteReader, prev: number): number {
  const ref = prev + r.varint();
  if (ref < 0) throw new DecodeError(`negative series ref ${ref}`);
  return ref;
}

/**
 * readSeriesLabels reads the labels of the series entry `ref`, after its ref: a pair count, then
 * length-prefixed names and values. They are decoded onto `flat` (empty), or with null only
 * stepped over, nothing decoded, for a caller that copies their bytes. Either way the names must
 * ascend, in the order Labels keeps them; DecodeError otherwise.
 */
export function readSeriesLabels(r: ByteReader, ref: number, flat: string[] | null): void {
  const pairs = r.uvarint();
  if (pairs * 2 > r.remaining) throw new DecodeError(`label count ${pairs} exceeds the payload`);
  if (flat !== null) {
    for (let j = 0; j < pairs * 2; j++) flat.push(r.string());
    for (let j = 2; j < flat.length; j += 2) {
      if (!(flat[j - 2] < flat[j])) throw new DecodeError(`labels of series ${ref} are not sorted`);
    }
    return;
  }
  const b = r.buf;
  let last = -1, lastEnd = -1;
  for (let j = 0; j < pairs; j++) {
    const len = r.uvarint();
    r.need(len, 'string');
    const start = r.pos;
    r.pos += len;
    if (last >= 0 && !nameAfter(b, last, lastEnd, start, r.pos)) throw new DecodeError(`labels of series ${ref} are not sorted`);
    last = start;
    lastEnd = r.pos;
    const vlen = r.uvarint();
    r.need(vlen, 'string');
    r.pos += vlen;
  }
}

/**
 * nameAfter: whether the UTF-8 name b[s, e) sorts after b[ps, pe) as JavaScript strings do (by
 * UTF-16 code units). Fast path: one name is the other's prefix, or they first differ where one
 * has an ASCII byte: there byte order is that order. Otherwise (two non-ASCII characters, where a
 * character above U+FFFF sorts before U+E000–U+FFFF in UTF-16 only) both are decoded and compared.
 */
function nameAfter(b: Uint8Array, ps: number, pe: number, s: number, e: number): boolean {
  const n = Math.min(pe - ps, e - s);
  let i = 0;
  while (i < n && b[ps + i] === b[s + i]) i++;
  if (i === n) return e - s > pe - ps;
  if (b[ps + i] < 0x80 || b[s + i] < 0x80) return b[s + i] > b[ps + i];
  return utf8.decode(b.subarray(ps, pe)) < utf8.decode(b.subarray(s, e));
}

function decodeSamples(r: ByteReader, xor: XorState): SamplesRecord {
  const flags = r.u8();
  if (flags & ~(SAMPLES_XOR | SAMPLES_PER_SAMPLE_T)) throw new DecodeError(`unknown samples flags 0x${flags.toString(16)}`);
  const n = r.uvarint();
  if (n > r.remaining) throw new DecodeError(`sample count ${n} exceeds the payload`);
  const t0 = r.varint();
  const refs = new Float64Array(n);
  let ref = 0;
  for (let i = 0; i < n; i++) {
    ref += r.varint();
    if (ref < 0) throw new DecodeError(`negative series ref ${ref}`);
    refs[i] = ref;
  }
  let t: number | Float64Array = t0;
  if (flags & SAMPLES_PER_SAMPLE_T) {
    const ts = new Float64Array(n);
    let lt = t0;
    if (n > 0) ts[0] = t0;
    for (let i = 1; i < n; i++) ts[i] = lt += r.varint();
    t = ts;
  }
  const values = new Float64Array(n);
  if (flags & SAMPLES_XOR) {
    decodeXorValues(r, refs, new Uint32Array(values.buffer), xor);
  } else {
    r.need(n * 8, 'raw values');
    new Uint8Array(values.buffer).set(r.buf.subarray(r.pos, r.pos + n * 8));
    r.pos += n * 8;
  }
  return { type: 'samples', t, refs, values };
}

function decodeXorValues(r: ByteReader, refs: Float64Array, words: Uint32Array, xor: XorState): void {
  const b = r.buf, end = r.end, n = refs.length;
  let p = r.pos;
  for (let i = 0; i < n; i++) {
    if (p >= end) throw new DecodeError(`XOR values end after ${i} of ${n}`);
    const c = b[p++];
    let xh = 0, xl = 0;
    if (c !== XOR_ZERO) {
      const lead = c >> 4, trail = c & 15;
      const stop = 8 - trail;
      if (lead + trail > 7) throw new DecodeError(`bad XOR control byte 0x${c.toString(16)}`);
      if (p + stop - lead > end) throw new DecodeError(`XOR value ${i} runs past the payload`);
      for (let k = lead; k < stop; k++) {
        const v = b[p++];
        if (k < 4) xh |= v << (24 - 8 * k);
        else xl |= v << (56 - 8 * k);
      }
    }
    xor.apply(refs[i], xh >>> 0, xl >>> 0, cur);
    words[2 * i] = cur[1];
    words[2 * i + 1] = cur[0];
  }
  r.pos = p;
}

function decodePosition(r: ByteReader): PositionRecord {
  const name = r.string();
  const seq = r.uvarint();
  const n = r.uvarint();
  const data = r.bytes(n);
  return { type: 'position', name, seq, data };
}
