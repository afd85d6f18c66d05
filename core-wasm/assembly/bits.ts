// Bit streams over raw memory, most significant bit first, exactly as Prometheus' bstream lays
// them out. Writers OR bits into memory that is zero from the write position on; readers take an
// end address and never load a byte at or past it (bytes there read as zero).

/** loadBE64 reads the 8 bytes at p as a big-endian u64; bytes at or past `end` read as zero. */
@inline export function loadBE64(p: usize, end: usize): u64 {
  if (p + 8 <= end) return bswap<u64>(load<u64>(p)); // fast path: the whole word is inside
  return loadBE64Slow(p, end);
}

/** loadBE64Slow is loadBE64's slow path for the last 7 bytes of a stream. */
export function loadBE64Slow(p: usize, end: usize): u64 {
  let w: u64 = 0;
  for (let i: usize = 0; i < 8; i++) {
    w <<= 8;
    if (p + i < end) w |= <u64>load<u8>(p + i);
  }
  return w;
}

/** readBits returns the n bits (1 ≤ n ≤ 57) that start at bit `pos` of the stream at buf. */
@inline export function readBits(buf: usize, end: usize, pos: u32, n: u32): u64 {
  const w = loadBE64(buf + <usize>(pos >>> 3), end);
  return (w << <u64>(pos & 7)) >>> <u64>(64 - n);
}

/** readBitsWide is readBits for 1 ≤ n ≤ 64. */
@inline export function readBitsWide(buf: usize, end: usize, pos: u32, n: u32): u64 {
  if (n <= 57) return readBits(buf, end, pos, n);
  const hi = readBits(buf, end, pos, n - 32);
  const lo = readBits(buf, end, pos + n - 32, 32);
  return (hi << 32) | lo;
}

/**
 * writeBits ORs the low n bits of v (1 ≤ n ≤ 57) in at bit `pos`. The 8 bytes from byte pos/8 on
 * must be writable, and every bit from `pos` on must be zero.
 */
@inline export function writeBits(buf: usize, pos: u32, v: u64, n: u32): void {
  const p = buf + <usize>(pos >>> 3);
  const keep = <u64>(64 - n);
  const shift = <u64>(64 - (pos & 7) - n);
  const w = bswap<u64>(load<u64>(p)) | (((v << keep) >>> keep) << shift);
  store<u64>(p, bswap<u64>(w));
}

/** writeBitsWide is writeBits for 1 ≤ n ≤ 64; it needs 12 writable bytes from byte pos/8 on. */
@inline export function writeBitsWide(buf: usize, pos: u32, v: u64, n: u32): void {
  if (n <= 57) {
    writeBits(buf, pos, v, n);
    return;
  }
  writeBits(buf, pos, v >>> 32, n - 32);
  writeBits(buf, pos + n - 32, v, 32);
}
