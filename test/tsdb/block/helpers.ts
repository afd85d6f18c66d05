/**
 * Helpers for the block tests: a temporary directory per test, bit-exact comparison of sample
 * columns, and the value edge cases every encoding must round-trip.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SampleBatch } from '../../../shared/storage/interface.ts';
import type { Columns } from '../../../shared/tsdb/block/index.ts';

/** bitsOf: the 64-bit pattern of a double as a hex string. */
export function bitsOf(v: number): string {
  const b = new Float64Array([v]);
  const u = new Uint32Array(b.buffer);
  return u[1].toString(16).padStart(8, '0') + u[0].toString(16).padStart(8, '0');
}

/** fromBits: the double with the given 64-bit pattern (kept in a Float64Array by callers). */
export function fromBits(hi: number, lo: number): Float64Array {
  return new Float64Array(new Uint32Array([lo, hi]).buffer);
}

/** EDGE_VALUES: staleness marker, Go's NaN, another NaN payload, ±Inf, −0, extremes, decimals. */
export const EDGE_VALUES: Float64Array = (() => {
  const out: number[] = [];
  const specials = [fromBits(0x7ff00000, 2), fromBits(0x7ff80000, 1), fromBits(0xfff12345, 0x6789abcd)];
  const vals = new Float64Array(24);
  vals.set([specials[0][0], specials[1][0], specials[2][0]], 0);
  out.push(Infinity, -Infinity, -0, 0, Number.MAX_VALUE, Number.MIN_VALUE, -Number.MAX_VALUE, 2 ** 53, -(2 ** 53) + 1, 0.1, 0.30000000000000004, 1e-300, 123.456, -7, 2 ** 50, 1 / 3, 5e-324);
  vals.set(out, 3);
  return vals.subarray(0, 3 + out.length);
})();

export interface Series {
  ts: Float64Array;
  vs: Float64Array;
}

/** expectColumns checks columns (or a batch) against the expected series, value bits included. */
export function sameColumns(got: Columns | SampleBatch, want: Series[]): string {
  const off = 'offsets' in got && typeof got.offsets === 'function' ? got.offsets() : (got as Columns).offsets;
  const ts = typeof got.timestamps === 'function' ? got.timestamps() : got.timestamps;
  const vs = typeof got.values === 'function' ? got.values() : got.values;
  if (off.length !== want.length + 1) return `${off.length - 1} series, want ${want.length}`;
  for (let s = 0; s < want.length; s++) {
    const n = off[s + 1] - off[s];
    if (n !== want[s].ts.length) return `series ${s}: ${n} samples, want ${want[s].ts.length}`;
    for (let i = 0; i < n; i++) {
      if (ts[off[s] + i] !== want[s].ts[i]) return `series ${s} sample ${i}: t ${ts[off[s] + i]}, want ${want[s].ts[i]}`;
      if (bitsOf(vs[off[s] + i]) !== bitsOf(want[s].vs[i])) return `series ${s} sample ${i}: v bits ${bitsOf(vs[off[s] + i])}, want ${bitsOf(want[s].vs[i])}`;
    }
  }
  return '';
}

/** tempDir makes a fresh directory and returns it with a cleanup function. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-block-test-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** slice: the samples of a series within [mint, maxt]. */
export function slice(s: Series, mint: number, maxt: number): Series {
  let lo = 0, hi = s.ts.length;
  while (lo < hi && s.ts[lo] < mint) lo++;
  while (hi > lo && s.ts[hi - 1] > maxt) hi--;
  return { ts: s.ts.slice(lo, hi), vs: s.vs.slice(lo, hi) };
}
