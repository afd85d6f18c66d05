/**
 * An independent, plain TypeScript XOR chunk encoder and decoder (Prometheus' chunkenc format,
 * without the encoding byte), written for readability to cross-check the WebAssembly codec.
 * Values travel as Float64Array so that NaN payloads keep their bits; 64-bit words are handled as
 * (hi, lo) pairs of unsigned 32-bit halves. Timestamps must be safe integers in order.
 */

/**
 * BitWriter appends bits, most significant first, to a growing byte array. Like Prometheus'
 * bstream, a write of whole bytes that starts on a byte boundary leaves one more, empty byte at the
 * end of the stream (`fresh`); finish() adds it if the last write did that.
 */
class BitWriter {
  bytes: number[] = [0, 0]; // the 2-byte sample-count header
  bitCount = 16;
  fresh = false;

  /** writeBits writes the low n bits of value (n ≤ 32). */
  writeBits(value: number, n: number): void {
    this.fresh = n % 8 === 0 && this.bitCount % 8 === 0;
    while (n > 0) {
      const used = this.bitCount & 7;
      if (used === 0) this.bytes.push(0);
      const free = 8 - used;
      const take = Math.min(free, n);
      const part = (value >>> (n - take)) & ((1 << take) - 1);
      this.bytes[this.bytes.length - 1] |= part << (free - take);
      this.bitCount += take;
      n -= take;
    }
  }

  /** write64 writes the low n bits (n ≤ 64) of the 64-bit word hi:lo. */
  write64(hi: number, lo: number, n: number): void {
    const fresh = n % 8 === 0 && this.bitCount % 8 === 0; // judged on the whole write
    if (n > 32) {
      this.writeBits(hi, n - 32);
      this.writeBits(lo, 32);
    } else {
      this.writeBits(lo, n);
    }
    this.fresh = fresh;
  }

  /** finish returns the stream's bytes, with the empty byte a byte-aligned last write leaves. */
  finish(): Uint8Array {
    return Uint8Array.from(this.fresh ? [...this.bytes, 0] : this.bytes);
  }

  writeUvarint(u: number): void {
    while (u >= 0x80) {
      this.writeBits((u % 0x80) | 0x80, 8);
      u = Math.floor(u / 0x80);
    }
    this.writeBits(u, 8);
  }
}

/** BitReader reads bits, most significant first; reading past the end throws. */
class BitReader {
  pos = 16;
  constructor(readonly bytes: Uint8Array) {}

  readBits(n: number): number {
    let v = 0;
    while (n > 0) {
      const i = this.pos >>> 3;
      if (i >= this.bytes.length) throw new Error(`xor-reference: chunk ends at bit ${this.pos}`);
      const avail = 8 - (this.pos & 7);
      const take = Math.min(avail, n);
      const part = (this.bytes[i] >>> (avail - take)) & ((1 << take) - 1);
      v = ((v << take) | part) >>> 0;
      this.pos += take;
      n -= take;
    }
    return v;
  }

  read64(n: number): [number, number] {
    if (n > 32) {
      const hi = this.readBits(n - 32);
      return [hi, this.readBits(32)];
    }
    return [0, this.readBits(n)];
  }

  readUvarint(): number {
    let u = 0;
    let scale = 1;
    for (;;) {
      const b = this.readBits(8);
      u += (b & 0x7f) * scale;
      if (b < 0x80) return u;
      scale *= 0x80;
    }
  }
}

const clz64 = (hi: number, lo: number): number => (hi !== 0 ? Math.clz32(hi) : 32 + Math.clz32(lo));
const ctz32 = (x: number): number => 31 - Math.clz32(x & -x);
const ctz64 = (hi: number, lo: number): number => (lo !== 0 ? ctz32(lo) : 32 + ctz32(hi));

/** shr64 shifts hi:lo right by s (0 ≤ s < 64). */
function shr64(hi: number, lo: number, s: number): [number, number] {
  if (s === 0) return [hi, lo];
  if (s >= 32) return [0, hi >>> (s - 32)];
  return [hi >>> s, ((lo >>> s) | (hi << (32 - s))) >>> 0];
}

/** shl64 shifts hi:lo left by s (0 ≤ s < 64). */
function shl64(hi: number, lo: number, s: number): [number, number] {
  if (s === 0) return [hi, lo];
  if (s >= 32) return [(lo << (s - 32)) >>> 0, 0];
  return [((hi << s) | (lo >>> (32 - s))) >>> 0, (lo << s) >>> 0];
}

/** encodeXorReference encodes the samples into one XOR chunk (2-byte count header first). */
export function encodeXorReference(ts: ArrayLike<number>, values: Float64Array): Uint8Array {
  const n = ts.length;
  if (values.length !== n || n > 0xffff) throw new Error('xor-reference: bad sample count');
  const words = new Uint32Array(values.buffer, values.byteOffset, n * 2); // little-endian: lo, hi
  const w = new BitWriter();
  let prevT = 0, tDelta = 0, prevHi = 0, prevLo = 0, leading = 0xff, trailing = 0;
  for (let i = 0; i < n; i++) {
    const t = ts[i];
    const lo = words[2 * i], hi = words[2 * i + 1];
    if (!Number.isSafeInteger(t) || (i > 0 && t < prevT)) throw new Error(`xor-reference: bad timestamp ${t}`);
    if (i === 0) {
      w.writeUvarint(t >= 0 ? t * 2 : -t * 2 - 1); // zig-zag varint
      w.write64(hi, lo, 64);
    } else {
      const delta = t - prevT;
      if (i === 1) {
        w.writeUvarint(delta);
      } else {
        const dod = delta - tDelta;
        if (dod === 0) w.writeBits(0, 1);
        else if (dod >= -8191 && dod <= 8192) { w.writeBits(0b10, 2); w.writeBits(dod & 0x3fff, 14); }
        else if (dod >= -65535 && dod <= 65536) { w.writeBits(0b110, 3); w.writeBits(dod & 0x1ffff, 17); }
        else if (dod >= -524287 && dod <= 524288) { w.writeBits(0b1110, 4); w.writeBits(dod & 0xfffff, 20); }
        else {
          w.writeBits(0b1111, 4);
          const dhi = Math.floor(dod / 2 ** 32);
          w.write64(dhi >>> 0, dod - dhi * 2 ** 32, 64);
        }
      }
      tDelta = delta;
      // The value, XOR-ed with the previous one.
      const xhi = (hi ^ prevHi) >>> 0, xlo = (lo ^ prevLo) >>> 0;
      if (xhi === 0 && xlo === 0) {
        w.writeBits(0, 1);
      } else {
        w.writeBits(1, 1);
        const lead = Math.min(clz64(xhi, xlo), 31);
        const trail = ctz64(xhi, xlo);
        if (leading !== 0xff && lead >= leading && trail >= trailing) {
          w.writeBits(0, 1);
          const [sh, sl] = shr64(xhi, xlo, trailing);
          w.write64(sh, sl, 64 - leading - trailing);
        } else {
          leading = lead;
          trailing = trail;
          const sig = 64 - lead - trail;
          w.writeBits(1, 1);
          w.writeBits(lead, 5);
          w.writeBits(sig & 0x3f, 6);
          const [sh, sl] = shr64(xhi, xlo, trail);
          w.write64(sh, sl, sig);
        }
      }
    }
    prevT = t;
    prevHi = hi;
    prevLo = lo;
  }
  const out = w.finish();
  out[0] = n >>> 8;
  out[1] = n & 0xff;
  return out;
}

/** decodeXorReference decodes one XOR chunk (2-byte count header first) into columns. */
export function decodeXorReference(chunk: Uint8Array): { ts: number[]; values: Float64Array } {
  const n = (chunk[0] << 8) | chunk[1];
  const r = new BitReader(chunk);
  const ts: number[] = [];
  const values = new Float64Array(n);
  const words = new Uint32Array(values.buffer);
  let t = 0, tDelta = 0, hi = 0, lo = 0, leading = 0, trailing = 0;
  for (let i = 0; i < n; i++) {
    if (i === 0) {
      const u = r.readUvarint();
      t = u % 2 === 0 ? u / 2 : -(u + 1) / 2;
      [hi, lo] = r.read64(64);
    } else {
      if (i === 1) {
        tDelta = r.readUvarint();
      } else {
        let prefix = 0;
        let len = 0;
        while (len < 4 && r.readBits(1) === 1) {
          prefix = (prefix << 1) | 1;
          len++;
        }
        let dod = 0;
        const signed = (bits: number, size: number): number => (bits > 2 ** (size - 1) ? bits - 2 ** size : bits);
        if (len === 1) dod = signed(r.readBits(14), 14);
        else if (len === 2) dod = signed(r.readBits(17), 17);
        else if (len === 3) dod = signed(r.readBits(20), 20);
        else if (len === 4) {
          const [dhi, dlo] = r.read64(64);
          dod = (dhi | 0) * 2 ** 32 + dlo;
        }
        tDelta += dod;
      }
      t += tDelta;
      if (r.readBits(1) === 1) {
        if (r.readBits(1) === 1) {
          leading = r.readBits(5);
          let sig = r.readBits(6);
          if (sig === 0) sig = 64;
          trailing = 64 - leading - sig;
        }
        const [bh, bl] = r.read64(64 - leading - trailing);
        const [xh, xl] = shl64(bh, bl, trailing);
        hi = (hi ^ xh) >>> 0;
        lo = (lo ^ xl) >>> 0;
      }
    }
    ts.push(t);
    words[2 * i] = lo;
    words[2 * i + 1] = hi;
  }
  return { ts, values };
}
