// The open chunk's buffer: it is sized by the bits of each sample, not the worst case, so these
// tests write the widest samples there are (64-bit delta-of-deltas, full-width XOR windows) into
// series whose buffers lie side by side, and check the bytes against the reference encoder (a
// write past a buffer's end would corrupt its neighbour or the allocator), and that a grown
// buffer keeps only a small unwritten tail.
import { describe, expect, test } from 'vitest';
import { loadCore } from '../../core-wasm/host/index.ts';
import { encodeXorReference } from '../support/xor-reference.ts';
import { xorshiftRng as rng } from './helpers.ts';

const T0 = 1_700_000_000_000;

/** widest: timestamps whose delta-of-deltas jump between all buckets, values of random bits. */
function widest(seed: number, n: number): { ts: number[]; values: Float64Array } {
  const r = rng(seed);
  const ts: number[] = [];
  let t = T0, step = 1;
  for (let i = 0; i < n; i++) {
    ts.push(t);
    const kind = Math.floor(r() * 5);
    step = kind === 0 ? step : kind === 1 ? 1 + Math.floor(r() * 8000) : kind === 2 ? 1 + Math.floor(r() * 500_000) : kind === 3 ? 1 + Math.floor(r() * 2 ** 40) : 1;
    t += step;
  }
  const words = new BigUint64Array(n);
  for (let i = 0; i < n; i++) {
    words[i] = r() < 0.2 ? (i > 0 ? words[i - 1] : 0n) : (BigInt(Math.floor(r() * 2 ** 32)) << 32n) | BigInt(Math.floor(r() * 2 ** 32));
  }
  return { ts, values: new Float64Array(words.buffer) };
}

describe('open chunk buffer', () => {
  test('the widest samples, appended to neighbouring series in turn, encode as Prometheus does', () => {
    const core = loadCore({ chunkRangeMs: 2 ** 52, samplesPerChunk: 4000 });
    const n = 40, count = 60;
    const first = core.newSeries(n);
    const data = Array.from({ length: n }, (_, s) => widest(100 + s, count));
    for (let k = 0; k < count; k++) {
      for (let s = 0; s < n; s++) {
        // One series per call, in turn, so every buffer grows between its neighbours'.
        core.appendSamples(new Uint32Array([first + s]), new Float64Array([data[s].ts[k]]), data[s].values.subarray(k, k + 1));
      }
    }
    for (let s = 0; s < n; s++) {
      const ex = core.exportChunks(new Uint32Array([first + s]), { includeOpen: true });
      // One series at 60 samples may have cut at the 1 KiB size limit: compare chunk by chunk.
      let at = 0;
      for (let c = 0; c < ex.chunkOffsets.length; c++) {
        const end = c + 1 < ex.chunkOffsets.length ? ex.chunkOffsets[c + 1] : ex.chunks.length;
        const chunk = ex.chunks.subarray(ex.chunkOffsets[c] + 1, end);
        const k = (chunk[0] << 8) | chunk[1];
        expect(chunk).toEqual(encodeXorReference(data[s].ts.slice(at, at + k), data[s].values.subarray(at, at + k)));
        at += k;
      }
      expect(at).toBe(count);
    }
  });

  test('samples that write no bits (steady interval, same value) stay inside the buffer', () => {
    // Such a sample is two 0 bits, which the buffer must still hold: a chunk ending in a run of
    // them past the buffer's end took its last bytes from whatever lay beyond (a neighbour's
    // random bits here).
    const core = loadCore({ chunkRangeMs: 2 ** 52, samplesPerChunk: 4000 });
    const n = 40, count = 400;
    const first = core.newSeries(n);
    const data = Array.from({ length: n }, (_, s) => {
      if (s % 2 === 1) return widest(200 + s, count);
      const ts = Array.from({ length: count }, (_, k) => T0 + k * 15_000);
      return { ts, values: new Float64Array(count).fill(s + 0.5) };
    });
    for (let k = 0; k < count; k++) {
      for (let s = 0; s < n; s++) core.appendSamples(new Uint32Array([first + s]), new Float64Array([data[s].ts[k]]), data[s].values.subarray(k, k + 1));
    }
    for (let s = 0; s < n; s += 2) {
      const ex = core.exportChunks(new Uint32Array([first + s]), { includeOpen: true });
      expect(ex.chunkOffsets.length).toBe(1);
      expect(ex.chunks.subarray(1)).toEqual(encodeXorReference(data[s].ts, data[s].values));
    }
  });

  test('a grown buffer keeps at most a small tail unwritten', () => {
    const core = loadCore();
    const ref = new Uint32Array([core.newSeries(1)]);
    // A counter: samples of a few bits, so the buffer's tail, not one sample, decides its size.
    const r = rng(7);
    let c = 1000;
    const values = Float64Array.from({ length: 119 }, () => (c += Math.floor(r() * 40)));
    let grown = 0;
    for (let k = 0; k < values.length; k++) {
      core.appendScrape(T0 + k * 15_000, ref, values.subarray(k, k + 1));
      const s = core.stats();
      expect(s.closedChunks).toBe(0);
      const cap = s.headBytes - 80; // the series row, then the open chunk's buffer
      if (cap <= 60) continue; // not grown yet: the smallest buffer
      grown++;
      // Room for the next write's 8 bytes, a growth step (a quarter, at least 16) and rounding.
      expect(cap - s.chunkBytes).toBeLessThanOrEqual(8 + Math.max(16, cap >> 2) + 15);
    }
    expect(grown).toBeGreaterThan(20);
  });
});
