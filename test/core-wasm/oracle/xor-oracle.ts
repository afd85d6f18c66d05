/**
 * An independent, deliberately plain TypeScript implementation of Prometheus' XOR chunk encoding
 * (tsdb/chunkenc/xor.go and bstream.go), written bit by bit with BigInt so that it shares no code
 * or tricks with the WebAssembly codec it checks. A chunk here is the bare Prometheus chunk: a 2-byte big-endian
 * sample count, then the bit stream; no encoding byte. Values travel as raw 64-bit patterns so
 * NaN payloads and -0 are compared exactly. Slow by design; use it as a test oracle only.
 */

/** OracleSample: one sample, its value as the raw IEEE-754 bit pattern. */
export interface OracleSample {
  t: number;
  bits: bigint;
}

const MASK64 = (1n << 64n) - 1n;
const scratch = new DataView(new ArrayBuffer(8));

/** bitsOf returns the IEEE-754 bit pattern of v. */
export function bitsOf(v: number): bigint {
  scratch.setFloat64(0, v);
  return scratch.getBigUint64(0);
}

/** floatOf returns the number whose bit pattern is `bits`. */
export function floatOf(bits: bigint): number {
  scratch.setBigUint64(0, bits & MASK64);
  return scratch.getFloat64(0);
}

/**
 * BitWriter models Prometheus' bstream exactly, including its one quirk that shows in the bytes:
 * writing a whole byte always appends the next byte, so a stream whose last write was a run of
 * whole bytes starting on a byte boundary ends with one extra zero byte. `free` is the number of
 * unused low bits in the last byte (bstream's `count`).
 */
class BitWriter {
  readonly bytes: number[] = [];
  private free = 0;

  bit(b: number): void {
    if (this.free === 0) {
      this.bytes.push(0);
      this.free = 8;
    }
    this.free--;
    if (b) this.bytes[this.bytes.length - 1] |= 1 << this.free;
  }

  byte(b: number): void {
    if (this.free === 0) {
      this.bytes.push(0);
      this.free = 8;
    }
    this.bytes[this.bytes.length - 1] |= b >> (8 - this.free);
    this.bytes.push((b << this.free) & 0xff);
  }

  /** bits writes the low n bits of value: whole bytes first, then single bits (as bstream). */
  bits(value: bigint, n: number): void {
    let left = n;
    while (left >= 8) {
      this.byte(Number((value >> BigInt(left - 8)) & 0xffn));
      left -= 8;
    }
    while (left > 0) {
      this.bit(Number((value >> BigInt(left - 1)) & 1n));
      left--;
    }
  }
}

/** BitReader reads what BitWriter wrote; reading past the end throws. */
class BitReader {
  private pos = 0;
  constructor(private readonly bytes: Uint8Array, startByte: number) {
    this.pos = startByte * 8;
  }

  bit(): number {
    if (this.pos >= this.bytes.length * 8) throw new Error(`xor-oracle: read past the end of a ${this.bytes.length}-byte chunk`);
    const b = (this.bytes[this.pos >> 3] >> (7 - (this.pos & 7))) & 1;
    this.pos++;
    return b;
  }

  bits(n: number): bigint {
    let v = 0n;
    for (let i = 0; i < n; i++) v = (v << 1n) | BigInt(this.bit());
    return v;
  }

  uvarint(): bigint {
    let x = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const b = this.bits(8);
      x |= (b & 0x7fn) << shift;
      if (b < 0x80n) return x;
    }
    throw new Error('xor-oracle: varint longer than 10 bytes');
  }
}

function putUvarint(w: BitWriter, x: bigint): void {
  while (x >= 0x80n) {
    w.byte(Number((x & 0x7fn) | 0x80n));
    x >>= 7n;
  }
  w.byte(Number(x));
}

function leadingZeros64(x: bigint): number {
  let n = 0;
  for (let i = 63; i >= 0 && ((x >> BigInt(i)) & 1n) === 0n; i--) n++;
  return n;
}

function trailingZeros64(x: bigint): number {
  let n = 0;
  for (let i = 0; i < 64 && ((x >> BigInt(i)) & 1n) === 0n; i++) n++;
  return n;
}

/** inBucket reports whether dod fits Prometheus' n-bit bucket: -(2^(n-1)-1) ≤ dod ≤ 2^(n-1). */
function inBucket(dod: bigint, n: number): boolean {
  const half = 1n << BigInt(n - 1);
  return dod >= -(half - 1n) && dod <= half;
}

/**
 * encodeXor encodes samples (strictly increasing integer timestamps, at most 65535 of them) into
 * one bare XOR chunk.
 */
export function encodeXor(samples: readonly OracleSample[]): Uint8Array {
  if (samples.length > 0xffff) throw new Error(`xor-oracle: ${samples.length} samples do not fit one chunk`);
  const w = new BitWriter();
  // The header is not written through the stream: Prometheus starts from two zero bytes, full.
  w.bytes.push(samples.length >> 8, samples.length & 0xff);
  let prevT = 0n;
  let prevDelta = 0n;
  let prevBits = 0n;
  let leading = 0xff;
  let trailing = 0;
  samples.forEach((s, i) => {
    if (!Number.isSafeInteger(s.t)) throw new Error(`xor-oracle: timestamp ${s.t} is not an integer`);
    const t = BigInt(s.t);
    const bits = s.bits & MASK64;
    if (i === 0) {
      const zigzag = t < 0n ? ((-t) << 1n) - 1n : t << 1n;
      putUvarint(w, zigzag);
      w.bits(bits, 64);
    } else {
      const delta = t - prevT;
      if (delta <= 0n) throw new Error(`xor-oracle: timestamp ${s.t} does not follow ${prevT}`);
      if (i === 1) {
        putUvarint(w, delta);
      } else {
        const dod = delta - prevDelta;
        if (dod === 0n) w.bit(0);
        else if (inBucket(dod, 14)) { w.bits(0b10n, 2); w.bits(BigInt.asUintN(14, dod), 14); }
        else if (inBucket(dod, 17)) { w.bits(0b110n, 3); w.bits(BigInt.asUintN(17, dod), 17); }
        else if (inBucket(dod, 20)) { w.bits(0b1110n, 4); w.bits(BigInt.asUintN(20, dod), 20); }
        else { w.bits(0b1111n, 4); w.bits(BigInt.asUintN(64, dod), 64); }
      }
      prevDelta = delta;
      // The value, XORed with the previous one.
      const x = bits ^ prevBits;
      if (x === 0n) {
        w.bit(0);
      } else {
        w.bit(1);
        const lead = Math.min(leadingZeros64(x), 31);
        const trail = trailingZeros64(x);
        if (leading !== 0xff && lead >= leading && trail >= trailing) {
          w.bit(0);
          w.bits(x >> BigInt(trailing), 64 - leading - trailing);
        } else {
          leading = lead;
          trailing = trail;
          const significant = 64 - lead - trail;
          w.bit(1);
          w.bits(BigInt(lead), 5);
          w.bits(BigInt(significant === 64 ? 0 : significant), 6);
          w.bits(x >> BigInt(trail), significant);
        }
      }
    }
    prevT = t;
    prevBits = bits;
  });
  return Uint8Array.from(w.bytes);
}

/** decodeXor decodes one bare XOR chunk; malformed input throws. */
export function decodeXor(chunk: Uint8Array): OracleSample[] {
  if (chunk.length < 2) throw new Error('xor-oracle: chunk shorter than its header');
  const n = (chunk[0] << 8) | chunk[1];
  const out: OracleSample[] = [];
  if (n === 0) return out;
  const r = new BitReader(chunk, 2);
  const zigzag = r.uvarint();
  let t = zigzag & 1n ? -((zigzag + 1n) >> 1n) : zigzag >> 1n;
  let bits = r.bits(64);
  out.push({ t: Number(t), bits });
  let delta = 0n;
  let leading = 0;
  let trailing = 0;
  for (let i = 1; i < n; i++) {
    if (i === 1) {
      delta = BigInt.asIntN(64, r.uvarint());
    } else {
      let ones = 0;
      while (ones < 4 && r.bit() === 1) ones++;
      let dod = 0n;
      if (ones === 4) dod = BigInt.asIntN(64, r.bits(64));
      else if (ones > 0) {
        // Prometheus reads an n-bit field as signed with the range -(2^(n-1)-1)..2^(n-1).
        const n = BigInt([14, 17, 20][ones - 1]);
        const raw = r.bits(Number(n));
        dod = raw > 1n << (n - 1n) ? raw - (1n << n) : raw;
      }
      delta += dod;
    }
    t += delta;
    if (r.bit() === 1) {
      if (r.bit() === 1) {
        leading = Number(r.bits(5));
        let significant = Number(r.bits(6));
        if (significant === 0) significant = 64;
        if (leading + significant > 64) throw new Error('xor-oracle: value window wider than 64 bits');
        trailing = 64 - leading - significant;
      }
      bits ^= r.bits(64 - leading - trailing) << BigInt(trailing);
    }
    out.push({ t: Number(t), bits });
  }
  return out;
}
