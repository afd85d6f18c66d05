/**
 * Helpers for the core-wasm tests: bit-exact views of values, reading chunk headers, decoding a
 * single chunk through Core.decodeChunks.
 */
import type { Core, CoreBatch } from '../../core-wasm/host/index.ts';

/** bitsOf returns the 64-bit patterns of the values, as hex strings (NaN payloads visible). */
export function bitsOf(values: Float64Array): string[] {
  const words = new BigUint64Array(values.buffer, values.byteOffset, values.length);
  return Array.from(words, (w) => w.toString(16).padStart(16, '0'));
}

/** f64FromBits builds a Float64Array holding exactly the given 64-bit patterns. */
export function f64FromBits(...bits: bigint[]): Float64Array {
  return new Float64Array(BigUint64Array.from(bits).buffer);
}

/** seriesOf copies series i of a batch out as plain arrays (timestamps and value bits). */
export function seriesOf(batch: CoreBatch, i: number): { ts: number[]; bits: string[] } {
  const off = batch.offsets();
  const ts = Array.from(batch.timestamps().subarray(off[i], off[i + 1]));
  const bits = bitsOf(batch.values().slice(off[i], off[i + 1]));
  return { ts, bits };
}

/** decodeOne decodes one chunk (encoding byte first) with the core. */
export function decodeOne(core: Core, chunk: Uint8Array): { ts: number[]; bits: string[] } {
  const batch = core.decodeChunks(chunk, new Uint32Array([0]), new Uint32Array([0]), -Infinity, Infinity);
  try {
    return seriesOf(batch, 0);
  } finally {
    batch.release();
  }
}

/** chunkCounts returns the sample count of each exported chunk (header after the encoding byte). */
export function chunkCounts(chunks: Uint8Array, offsets: Uint32Array): number[] {
  return Array.from(offsets, (o) => (chunks[o + 1] << 8) | chunks[o + 2]);
}

/** xorshiftRng: a seeded xorshift32 generator of numbers in [0, 1), for reproducible random test data. */
export function xorshiftRng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

/** mulberryRng: a seeded mulberry32 generator of numbers in [0, 1), for reproducible random test data. */
export function mulberryRng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}
