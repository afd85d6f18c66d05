/**
 * The dense chunk decoder, the inverse of dense-encode.ts: it writes a chunk's samples into
 * columns the caller owns, keeping every value's exact bits. Damaged input throws DecodeError
 * with the offset inside the buffer; it never writes past the sample count the caller expects.
 * core-wasm/assembly/dense-decode.ts is its twin for reads into WebAssembly memory: a change to
 * what this accepts or computes must be made there too (test/tsdb/block/dense-wasm.test.ts).
 */
import { ByteReader } from './bytes.ts';
import { DecodeError } from './errors.ts';
import { DENSE_MAX_SAMPLES, ENC_DENSE, POW10, TS_LIMIT, VK_FLOAT_BITS, VK_INT_DELTA, VK_INT_DOD } from './dense-encode.ts';

/**
 * decodeDense decodes the dense chunk at r.pos (encoding byte first) into ts[at …] and
 * vals[at …] (`bits` is a Uint32Array view of vals' buffer, two words per value, low first).
 * The chunk must hold exactly `expect` samples (1 … DENSE_MAX_SAMPLES), its timestamps must
 * stay within ±TS_LIMIT, and it must end exactly at r.end.
 */
export function decodeDense(r: ByteReader, expect: number, ts: Float64Array, vals: Float64Array, bits: Uint32Array, at: number): void {
  const start = r.pos;
  const enc = r.u8();
  if (enc !== ENC_DENSE) throw new DecodeError(start, `chunk encoding ${enc}, want ${ENC_DENSE} (dense)`);
  const n = r.uvarint();
  if (n !== expect) throw new DecodeError(start, `chunk holds ${n} samples, the index says ${expect}`);
  if (n < 1 || n > DENSE_MAX_SAMPLES) throw new DecodeError(start, `chunk holds ${n} samples, want 1 … ${DENSE_MAX_SAMPLES}`);
  readTimestamps(r, ts, at, n);
  readValues(r, vals, bits, at, n);
  if (r.pos !== r.end) throw new DecodeError(r.pos, `${r.end - r.pos} bytes left after the chunk`);
}

function readValues(r: ByteReader, vals: Float64Array, bits: Uint32Array, at: number, n: number): void {
  const kindAt = r.pos;
  const kind = r.u8();
  const vk = kind & 15, scale = kind >> 4;
  if (vk === VK_FLOAT_BITS && scale === 0) return readFloatBits(r, bits, at, n);
  if ((vk !== VK_INT_DELTA && vk !== VK_INT_DOD) || scale >= POW10.length) throw new DecodeError(kindAt, `unknown value kind ${kind}`);
  // Exceptions: positions (as gaps) and raw bits; the integers fill the other slots in order.
  const excCount = r.uvarint();
  if (excCount > n) throw new DecodeError(kindAt, `${excCount} exceptions in ${n} samples`);
  const excPos: number[] = new Array(excCount);
  let prev = -1;
  for (let k = 0; k < excCount; k++) {
    const p = prev + 1 + r.uvarint();
    if (p >= n) throw new DecodeError(r.pos, `exception at sample ${p} of ${n}`);
    excPos[k] = p;
    prev = p;
    bits[2 * (at + p)] = r.u32le();
    bits[2 * (at + p) + 1] = r.u32le();
  }
  readInts(r, vals, at, n, excPos, vk === VK_INT_DOD, POW10[scale], scale === 0);
}

function readTimestamps(r: ByteReader, ts: Float64Array, at: number, n: number): void {
  const t0At = r.pos;
  let t = r.varint();
  ts[at] = t;
  let d = 0;
  let i = 1;
  while (i < n) {
    const tokenAt = r.pos;
    const dod = r.varint();
    if (dod === 0) {
      const run = r.uvarint() + 1;
      if (i + run > n) throw new DecodeError(tokenAt, `run of ${run} timestamps past the ${n} samples`);
      if (d <= 0) throw new DecodeError(tokenAt, 'timestamps do not increase');
      for (let k = 0; k < run; k++) {
        t += d;
        ts[at + i++] = t;
      }
    } else {
      d += dod;
      if (d <= 0) throw new DecodeError(tokenAt, 'timestamps do not increase');
      t += d;
      ts[at + i++] = t;
    }
  }
  // Increasing, so the first and last bound them all; within ±2^50 every sum above is exact.
  if (ts[at] <= -TS_LIMIT || t >= TS_LIMIT) throw new DecodeError(t0At, `timestamps ${ts[at]} … ${t} beyond ±2^50 ms`);
}

function readInts(r: ByteReader, vals: Float64Array, at: number, n: number, exc: number[], dod: boolean, p: number, plain: boolean): void {
  const m = n - exc.length;
  if (m === 0) return;
  let e = 0; // next exception
  let i = 0; // next sample slot
  const put = (x: number): void => {
    while (e < exc.length && exc[e] === i) {
      e++;
      i++;
    }
    vals[at + i++] = plain ? x : x / p;
  };
  let v = r.varint();
  put(v);
  let d = 0;
  let k = 1;
  while (k < m) {
    const tokenAt = r.pos;
    const x = r.varint();
    if (x === 0) {
      const run = r.uvarint() + 1;
      if (k + run > m) throw new DecodeError(tokenAt, `run of ${run} values past the ${m} samples`);
      if (!dod) d = 0;
      for (let j = 0; j < run; j++) {
        v += d;
        put(v);
      }
      k += run;
    } else {
      d = dod ? d + x : x;
      v += d;
      put(v);
      k++;
    }
  }
}

function readFloatBits(r: ByteReader, bits: Uint32Array, at: number, n: number): void {
  const buf = r.buf, end = r.end;
  let pl = 0, ph = 0;
  let i = 0;
  while (i < n) {
    const tokenAt = r.pos;
    let p = r.pos;
    // 64-bit varint into (zh, zl).
    let zl = 0, zh = 0, shift = 0;
    for (;;) {
      if (p >= end) throw new DecodeError(p, 'unexpected end of data in varint');
      if (shift > 63) throw new DecodeError(tokenAt, 'varint longer than 64 bits');
      const c = buf[p++];
      const g = c & 127;
      if (shift < 28) zl |= g << shift;
      else if (shift === 28) {
        zl |= g << 28;
        zh |= g >>> 4;
      } else zh |= g << (shift - 32);
      shift += 7;
      if (c < 128) break;
    }
    r.pos = p;
    zl >>>= 0;
    zh >>>= 0;
    if (zl === 0 && zh === 0) {
      const run = r.uvarint() + 1;
      if (i + run > n) throw new DecodeError(tokenAt, `run of ${run} values past the ${n} samples`);
      for (let k = 0; k < run; k++) {
        bits[2 * (at + i)] = pl;
        bits[2 * (at + i) + 1] = ph;
        i++;
      }
      continue;
    }
    const mask = -(zl & 1) >>> 0;
    const dl = (((zl >>> 1) | (zh << 31)) ^ mask) >>> 0;
    const dh = ((zh >>> 1) ^ mask) >>> 0;
    const l = pl + dl;
    pl = l >>> 0;
    ph = (ph + dh + (l > 0xffffffff ? 1 : 0)) >>> 0;
    bits[2 * (at + i)] = pl;
    bits[2 * (at + i) + 1] = ph;
    i++;
  }
}
