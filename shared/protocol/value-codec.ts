/**
 * The bit coding of sample values and per-sample timestamps inside a BATCH frame. Each value is
 * coded against its series' previous value on the connection, choosing the cheapest of: "same
 * bits", an integer delta (zigzag, in the series' current field width or a new one), or the XOR of
 * the two f64 bit patterns (in the series' current window or a new one). Decoding rebuilds the exact
 * bits, so NaN payloads, staleness markers and -0 survive. Per-sample timestamps (backfill batches)
 * are delta-of-delta coded within the batch. The tables are in docs/protocol.md.
 */
import type { BitReader, BitWriter } from './bits.ts';
import { malformed } from './errors.ts';
import { MAX_TIMESTAMP_MS } from './frames.ts';
import type { SeriesState } from './series-state.ts';

// One f64 and its two 32-bit halves, whichever order the platform stores them in.
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const HI = LITTLE ? 1 : 0;
const LO = LITTLE ? 0 : 1;

/** Integer deltas are used only below this magnitude, so that their zigzag form is a safe integer. */
const MAX_INT_DELTA = 2 ** 52;
/** Widest integer-delta field: zigzag of a delta below 2^52 fits in 53 bits. */
export const MAX_INT_WIDTH = 53;

function ctz32(x: number): number {
  return x === 0 ? 32 : 31 - Math.clz32(x & -x);
}

/** bitLen: the number of bits needed for the non-negative integer x < 2^53 (0 for 0). */
function bitLen(x: number): number {
  return x < 4294967296 ? 32 - Math.clz32(x) : 64 - Math.clz32(Math.floor(x / 4294967296));
}

/** Extra bits given to a new integer width, so that slightly larger deltas next time still fit. */
const WIDTH_HEADROOM = 0;

/**
 * encodeValue appends series `r`'s next value `v` to `w` and makes it the series' previous value.
 * It never throws: every f64 can be coded.
 */
export function encodeValue(w: BitWriter, s: SeriesState, r: number, v: number): void {
  const prev = s.prev[r];
  f64[0] = prev;
  const ph = u32[HI], pl = u32[LO];
  f64[0] = v;
  const xh = (ph ^ u32[HI]) >>> 0, xl = (pl ^ u32[LO]) >>> 0;
  if (xh === 0 && xl === 0) {
    w.writeBit(0); // fast path: unchanged, the steady state of many counters and gauges
    return;
  }
  s.prev[r] = v;

  // Candidate 1: an integer delta, when both values are integers and prev + d gives v's exact bits.
  let intCost = Infinity, zz = 0, intWidth = 0;
  if (Number.isInteger(prev) && Number.isInteger(v)) {
    const d = v - prev;
    if (Math.abs(d) < MAX_INT_DELTA && Object.is(prev + d, v)) {
      zz = d >= 0 ? d * 2 : -d * 2 - 1;
      const need = bitLen(zz) || 1;
      const cur = s.width[r];
      if (cur !== 0 && need <= cur) {
        intCost = 2 + cur;
        intWidth = cur;
      }
      const fresh = Math.min(need + WIDTH_HEADROOM, MAX_INT_WIDTH);
      if (3 + 6 + fresh < intCost) {
        intCost = 3 + 6 + fresh;
        intWidth = -fresh; // negative: a new width
      }
    }
  }

  // Candidate 2: the XOR of the bit patterns, in the current window or a new one.
  const lead = xh !== 0 ? Math.clz32(xh) : 32 + Math.clz32(xl);
  const trail = xl !== 0 ? ctz32(xl) : 32 + ctz32(xh);
  const sig = 64 - lead - trail;
  const wLead = s.lead[r], wSig = s.sig[r];
  const reuse = wSig !== 0 && lead >= wLead && 64 - trail <= wLead + wSig;
  const xorReuseCost = reuse ? 4 + wSig : Infinity;
  const xorNewCost = 4 + 12 + sig;

  if (intCost <= xorReuseCost && intCost <= xorNewCost) {
    if (intWidth > 0) {
      w.write(0b10, 2);
    } else {
      intWidth = -intWidth;
      w.write(0b110, 3);
      w.write(intWidth - 1, 6);
      s.width[r] = intWidth;
    }
    w.writeUint(zz, intWidth);
    return;
  }
  let l = lead, n = sig;
  if (xorReuseCost <= xorNewCost) {
    w.write(0b1110, 4);
    l = wLead;
    n = wSig;
  } else {
    w.write(0b1111, 4);
    w.write(lead, 6);
    w.write(sig - 1, 6);
    s.lead[r] = lead;
    s.sig[r] = sig;
  }
  // Write bits [64-l-n, 64-l) of the XOR: shift right by the window's trailing count.
  const t = 64 - l - n;
  let hi: number, lo: number;
  if (t === 0) {
    hi = xh;
    lo = xl;
  } else if (t >= 32) {
    hi = 0;
    lo = xh >>> (t - 32);
  } else {
    hi = xh >>> t;
    lo = ((xl >>> t) | (xh << (32 - t))) >>> 0;
  }
  w.write64(hi, lo, n);
}

/**
 * decodeValue reads series `r`'s next value from `br`, stores it as the series' previous value
 * and returns it. Malformed codes throw a ProtocolError; the caller undoes the state it changed.
 */
export function decodeValue(br: BitReader, s: SeriesState, r: number): number {
  if (br.readBit() === 0) return s.prev[r];
  const prev = s.prev[r];
  let v: number;
  if (br.readBit() === 0) {
    v = prev + readIntDelta(br, s.width[r]);
  } else if (br.readBit() === 0) {
    const width = br.read(6) + 1;
    if (width > MAX_INT_WIDTH) throw malformed(`BATCH frame: integer delta width ${width} exceeds ${MAX_INT_WIDTH}`);
    s.width[r] = width;
    v = prev + readIntDelta(br, width);
  } else {
    let l: number, n: number;
    if (br.readBit() === 0) {
      l = s.lead[r];
      n = s.sig[r];
      if (n === 0) throw malformed(`BATCH frame: series ${r} reuses an XOR window before setting one`);
    } else {
      l = br.read(6);
      n = br.read(6) + 1;
      if (l + n > 64) throw malformed(`BATCH frame: XOR window of ${l} leading and ${n} significant bits exceeds 64`);
      s.lead[r] = l;
      s.sig[r] = n;
    }
    const hiPart = n > 32 ? br.read(n - 32) : 0;
    const loPart = br.read(n > 32 ? 32 : n);
    const t = 64 - l - n;
    let xh: number, xl: number;
    if (t === 0) {
      xh = hiPart;
      xl = loPart;
    } else if (t >= 32) {
      xh = (loPart << (t - 32)) >>> 0;
      xl = 0;
    } else {
      xh = ((hiPart << t) | (loPart >>> (32 - t))) >>> 0;
      xl = (loPart << t) >>> 0;
    }
    f64[0] = prev;
    u32[HI] = (u32[HI] ^ xh) >>> 0;
    u32[LO] = (u32[LO] ^ xl) >>> 0;
    v = f64[0];
  }
  s.prev[r] = v;
  return v;
}

function readIntDelta(br: BitReader, width: number): number {
  if (width === 0) throw malformed('BATCH frame: integer delta reuses a field width before setting one');
  const zz = br.readUint(width);
  return zz % 2 === 1 ? -(zz + 1) / 2 : zz / 2;
}

/**
 * TimestampCoder: the delta-of-delta state of per-sample timestamps within one backfill batch.
 * Both sides start it at the batch's base timestamp with a previous delta of 0.
 */
export class TimestampCoder {
  t: number;
  d = 0;

  constructor(base: number) {
    this.t = base;
  }

  /** encode appends timestamp `t` (an integer with |t| ≤ MAX_TIMESTAMP_MS, checked by the caller). */
  encode(w: BitWriter, t: number): void {
    const d = t - this.t;
    const dod = d - this.d;
    this.t = t;
    this.d = d;
    if (dod === 0) {
      w.writeBit(0);
      return;
    }
    const zz = dod >= 0 ? dod * 2 : -dod * 2 - 1;
    if (zz < 1 << 7) {
      w.write(0b10, 2);
      w.write(zz, 7);
    } else if (zz < 1 << 14) {
      w.write(0b110, 3);
      w.write(zz, 14);
    } else if (zz < 1 << 24) {
      w.write(0b1110, 4);
      w.write(zz, 24);
    } else {
      // Escape: the absolute timestamp, zigzag in 53 bits.
      w.write(0b1111, 4);
      w.writeUint(t >= 0 ? t * 2 : -t * 2 - 1, 53);
    }
  }

  /** decode reads the next timestamp; out-of-range results throw a ProtocolError. */
  decode(br: BitReader): number {
    let t: number;
    if (br.readBit() === 0) {
      t = this.t + this.d;
    } else {
      let bits = 0;
      if (br.readBit() === 0) bits = 7;
      else if (br.readBit() === 0) bits = 14;
      else if (br.readBit() === 0) bits = 24;
      if (bits !== 0) {
        const zz = br.read(bits);
        const dod = zz % 2 === 1 ? -(zz + 1) / 2 : zz / 2;
        t = this.t + this.d + dod;
      } else {
        const zz = br.readUint(53);
        t = zz % 2 === 1 ? -(zz + 1) / 2 : zz / 2;
      }
    }
    if (!(Math.abs(t) <= MAX_TIMESTAMP_MS)) throw malformed(`BATCH frame: sample timestamp ${t} is out of range`);
    this.d = t - this.t;
    this.t = t;
    return t;
  }
}
