/**
 * Record encoding: appends framed WAL records to a ByteWriter owned by the caller. Samples
 * records delta-code refs and timestamps as zigzag varints; values are either raw f64 bits or
 * XORed against the series' previous value in the same segment (see XorState), stored as a
 * control byte plus only the non-zero middle bytes of the XOR. See docs/wal-format.md.
 */
import { Labels } from '../../model/labels.ts';
import type { ByteWriter } from './bytes.ts';
import { beginFrame, endFrame } from './frame.ts';
import {
  RECORD_POSITION,
  RECORD_SAMPLES,
  RECORD_SERIES,
  type PositionRecord,
  type SamplesRecord,
  type SeriesRecord,
  type WALRecord,
} from './record.ts';
import type { XorState } from './xor-state.ts';

if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) {
  throw new Error('the WAL codec needs a little-endian host');
}

/** Samples payload flags. */
export const SAMPLES_XOR = 1;
export const SAMPLES_PER_SAMPLE_T = 2;
/** The XOR control byte for "same bits as before". */
export const XOR_ZERO = 0x80;

/** ValueEncoding: how samples records store values. */
export type ValueEncoding = 'xor' | 'raw';

const prev = new Uint32Array(2);

/**
 * encodeRecord appends `rec` as one frame to `w`. XOR value coding reads and updates `xor`,
 * which must be the state of the segment the frame will land in. Throws "BUG:" on records
 * that break the contract in record.ts (non-integer timestamps, negative refs, length mismatch).
 */
export function encodeRecord(w: ByteWriter, rec: WALRecord, xor: XorState, values: ValueEncoding): void {
  switch (rec.type) {
    case 'series':
      return encodeSeries(w, rec);
    case 'samples':
      return encodeSamples(w, rec, xor, values);
    case 'position':
      return encodePosition(w, rec);
    default:
      throw new Error(`BUG: unknown WAL record type ${JSON.stringify((rec as { type: unknown }).type)}`);
  }
}

/** Refs below 2^52 and times within ±2^51 ms keep every zigzag-coded delta a safe integer. */
const MAX_REF = 2 ** 52;
const MAX_TIME = 2 ** 51;

function checkRef(ref: number): void {
  if (!(ref >= 0 && ref < MAX_REF) || !Number.isInteger(ref)) throw new Error(`BUG: WAL series ref ${ref} is not an integer in [0, 2^52)`);
}

function checkTime(t: number): void {
  if (!(Math.abs(t) < MAX_TIME) || !Number.isInteger(t)) throw new Error(`BUG: WAL timestamp ${t} is not an integer of milliseconds within ±2^51`);
}

function encodeSeries(w: ByteWriter, rec: SeriesRecord): void {
  const at = beginFrame(w, RECORD_SERIES);
  const list = rec.series;
  w.uvarint(list.length);
  let last = 0;
  for (let i = 0; i < list.length; i++) {
    const { ref, labels } = list[i];
    checkRef(ref);
    if (!(labels instanceof Labels)) throw new Error(`BUG: WAL series ${ref} has no Labels`);
    w.varint(ref - last);
    last = ref;
    const flat = labels.flat;
    w.uvarint(flat.length >> 1);
    for (let j = 0; j < flat.length; j++) w.string(flat[j]);
  }
  endFrame(w, at);
}

function encodeSamples(w: ByteWriter, rec: SamplesRecord, xor: XorState, mode: ValueEncoding): void {
  const { refs, values, t } = rec;
  const n = refs.length;
  if (values.length !== n) throw new Error(`BUG: WAL samples record has ${n} refs but ${values.length} values`);
  const perSample = typeof t !== 'number';
  if (perSample && t.length !== n) throw new Error(`BUG: WAL samples record has ${n} refs but ${t.length} timestamps`);
  const at = beginFrame(w, RECORD_SAMPLES);
  w.u8((mode === 'xor' ? SAMPLES_XOR : 0) | (perSample ? SAMPLES_PER_SAMPLE_T : 0));
  w.uvarint(n);
  const t0 = perSample ? (n > 0 ? t[0] : 0) : t;
  checkTime(t0);
  w.varint(t0);
  if (refs instanceof Uint32Array) encodeRefs32(w, refs);
  else {
    let last = 0;
    for (let i = 0; i < n; i++) {
      const ref = refs[i];
      checkRef(ref);
      w.varint(ref - last);
      last = ref;
    }
  }
  if (perSample) {
    let lt = t0;
    for (let i = 1; i < n; i++) {
      const ti = t[i];
      checkTime(ti);
      w.varint(ti - lt);
      lt = ti;
    }
  }
  if (values.byteOffset % 4 !== 0) throw new Error('BUG: WAL sample values must be an aligned Float64Array');
  if (mode === 'raw') {
    w.bytes(new Uint8Array(values.buffer, values.byteOffset, n * 8));
  } else {
    encodeXorValues(w, refs, new Uint32Array(values.buffer, values.byteOffset, n * 2), xor);
  }
  endFrame(w, at);
}

/**
 * encodeRefs32: the ref deltas of a Uint32Array, whose refs need no check. Fast path: a delta and
 * its zigzag code fit 32 bits, so the varint is written inline.
 */
function encodeRefs32(w: ByteWriter, refs: Uint32Array): void {
  const n = refs.length;
  w.ensure(n * 10);
  const b = w.buf;
  let p = w.len;
  let last = 0;
  for (let i = 0; i < n; i++) {
    const ref = refs[i];
    const d = ref - last;
    last = ref;
    if (d > -0x40000000 && d < 0x40000000) {
      let z = (d << 1) ^ (d >> 31);
      while (z >= 0x80) {
        b[p++] = (z & 0x7f) | 0x80;
        z >>>= 7;
      }
      b[p++] = z;
    } else {
      // Slow path: a wide delta (the room ensured above keeps `b` the writer's buffer).
      w.len = p;
      w.varint(d);
      p = w.len;
    }
  }
  w.len = p;
}

/** encodeXorValues: per value, a control byte (lead << 4 | trail, in zero bytes) and the middle bytes. */
function encodeXorValues(w: ByteWriter, refs: ArrayLike<number>, words: Uint32Array, xor: XorState): void {
  const n = refs.length;
  w.ensure(n * 9);
  const b = w.buf;
  let p = w.len;
  for (let i = 0; i < n; i++) {
    const lo = words[2 * i], hi = words[2 * i + 1];
    xor.swap(refs[i], hi, lo, prev);
    const xh = (hi ^ prev[0]) >>> 0, xl = (lo ^ prev[1]) >>> 0;
    if ((xh | xl) === 0) {
      b[p++] = XOR_ZERO;
      continue;
    }
    const lead = xh !== 0 ? Math.clz32(xh) >> 3 : 4 + (Math.clz32(xl) >> 3);
    const trail = xl !== 0 ? ctz32(xl) >> 3 : 4 + (ctz32(xh) >> 3);
    b[p++] = (lead << 4) | trail;
    for (let k = lead; k < 8 - trail; k++) b[p++] = k < 4 ? xh >>> (24 - 8 * k) : xl >>> (56 - 8 * k);
  }
  w.len = p;
}

function ctz32(v: number): number {
  return 31 - Math.clz32(v & -v);
}

function encodePosition(w: ByteWriter, rec: PositionRecord): void {
  if (!(rec.seq >= 0) || !Number.isSafeInteger(rec.seq)) throw new Error(`BUG: WAL position seq ${rec.seq} is not a non-negative safe integer`);
  const at = beginFrame(w, RECORD_POSITION);
  w.string(rec.name);
  w.uvarint(rec.seq);
  const data = rec.data ?? new Uint8Array(0);
  w.uvarint(data.length);
  w.bytes(data);
  endFrame(w, at);
}

/**
 * checkRecord throws "BUG:" when `rec` breaks the contract in record.ts, so that one caller's bad
 * record is refused before it joins a group commit shared with others.
 */
export function checkRecord(rec: WALRecord): void {
  switch (rec.type) {
    case 'series':
      for (const s of rec.series) {
        checkRef(s.ref);
        if (!(s.labels instanceof Labels)) throw new Error(`BUG: WAL series ${s.ref} has no Labels`);
      }
      return;
    case 'samples': {
      const { refs, values, t } = rec;
      if (!(values instanceof Float64Array)) throw new Error('BUG: WAL sample values must be a Float64Array');
      if (values.length !== refs.length) throw new Error(`BUG: WAL samples record has ${refs.length} refs but ${values.length} values`);
      // A Uint32Array holds nothing but valid refs.
      if (!(refs instanceof Uint32Array)) for (let i = 0; i < refs.length; i++) checkRef(refs[i]);
      if (typeof t === 'number') checkTime(t);
      else {
        if (t.length !== refs.length) throw new Error(`BUG: WAL samples record has ${refs.length} refs but ${t.length} timestamps`);
        for (let i = 0; i < t.length; i++) checkTime(t[i]);
      }
      return;
    }
    case 'position':
      if (!(rec.seq >= 0) || !Number.isSafeInteger(rec.seq)) throw new Error(`BUG: WAL position seq ${rec.seq} is not a non-negative safe integer`);
      return;
    default:
      throw new Error(`BUG: unknown WAL record type ${JSON.stringify((rec as { type: unknown }).type)}`);
  }
}
