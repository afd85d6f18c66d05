// Round trips through the head that cross several of its parts at once: exported chunks (closed,
// open and out-of-order) decoded by decodeChunks must equal decode() of the head; staleness
// markers and extreme timestamps survive appends; repeated decode/release cycles do not leak.
import { describe, expect, test } from 'vitest';
import { loadCore, type CoreBatch } from '../../core-wasm/host/index.ts';
import { xorshiftRng as rng } from './helpers.ts';

/** contents copies a batch out as one [t, bits-hex] list per series, then releases it. */
function contents(batch: CoreBatch): [number, string][][] {
  try {
    const off = batch.offsets();
    const ts = batch.timestamps();
    const bits = new BigUint64Array(batch.values().slice().buffer);
    return Array.from({ length: batch.seriesCount }, (_, s) =>
      Array.from({ length: off[s + 1] - off[s] }, (_, k): [number, string] => [ts[off[s] + k], bits[off[s] + k].toString(16)]),
    );
  } finally {
    batch.release();
  }
}

const T0 = 1_700_000_000_000;

describe('export then decodeChunks equals decode', () => {
  test.each([
    { window: 0, seed: 5 },
    { window: 1_800_000, seed: 6 },
  ])('out-of-order window $window ms', ({ window, seed }) => {
    const r = rng(seed);
    const core = loadCore({ outOfOrderWindowMs: window });
    const n = 30;
    const first = core.newSeries(n);
    const refs = Uint32Array.from({ length: n }, (_, i) => first + i);
    for (let round = 0; round < 900; round++) {
      const t = T0 + round * 15_000;
      core.appendScrape(t, refs, Float64Array.from(refs, (ref) => (ref % 4 === 0 ? NaN : Math.floor(r() * 50) + round)));
      if (round % 5 === 0) {
        // A late sample for a few series, up to 40 min old (some beyond the window).
        const late = Float64Array.from(refs, () => t - 1000 - Math.floor(r() * 2_400_000));
        core.appendSamples(refs, late, Float64Array.from(refs, () => r()));
      }
    }
    const direct = contents(core.decode(refs, -Infinity, Infinity));
    const ex = core.exportChunks(refs, { includeOpen: true, includeOutOfOrder: true });
    const viaChunks = contents(core.decodeChunks(ex.chunks, ex.chunkOffsets, ex.seriesChunkStarts, -Infinity, Infinity));
    expect(viaChunks).toEqual(direct);
    if (window > 0) expect(core.stats().oooSamples).toBeGreaterThan(0);
    // Sub-ranges agree too, and the export's chunk bounds are right.
    const [mint, maxt] = [T0 + 3_000_000, T0 + 9_000_000];
    expect(contents(core.decodeChunks(ex.chunks, ex.chunkOffsets, ex.seriesChunkStarts, mint, maxt))).toEqual(
      contents(core.decode(refs, mint, maxt)),
    );
    for (let k = 0; k < ex.chunkOffsets.length; k++) expect(ex.mint[k]).toBeLessThanOrEqual(ex.maxt[k]);
    // Without the open and out-of-order data, the export holds only closed chunks: fewer samples.
    const closed = core.exportChunks(refs, {});
    const closedCount = contents(core.decodeChunks(closed.chunks, closed.chunkOffsets, closed.seriesChunkStarts, -Infinity, Infinity)).flat().length;
    expect(closedCount).toBeLessThan(direct.flat().length);
    expect(closedCount).toBe(core.stats().closedSamples);
  });
});

describe('values and timestamps at the edges', () => {
  test('staleness markers and NaN payloads go through appends bit for bit', () => {
    const core = loadCore();
    const ref = core.newSeries(1);
    const words = BigUint64Array.of(0x7ff0000000000002n, 0x7ff8000000000001n, 0x8000000000000000n, 0x7ff0000000000002n, 0xfff0000000000000n);
    const values = new Float64Array(words.buffer);
    for (let i = 0; i < words.length; i++) core.appendScrape(T0 + i * 1000, Uint32Array.of(ref), values.subarray(i, i + 1));
    expect(contents(core.decode(Uint32Array.of(ref), -Infinity, Infinity))[0].map(([, b]) => b)).toEqual(Array.from(words, (w) => w.toString(16)));
  });

  test('timestamps at ±(2^53 - 1) ms', () => {
    const core = loadCore();
    const ref = core.newSeries(1);
    const ts = [-(2 ** 53 - 1), -(2 ** 53 - 2), -1, 0, 2 ** 53 - 2, 2 ** 53 - 1];
    const status = core.appendSamples(Uint32Array.from(ts, () => ref), Float64Array.from(ts), Float64Array.from(ts, (_, i) => i));
    expect(Array.from(status)).toEqual(ts.map(() => 0));
    expect(contents(core.decode(Uint32Array.of(ref), -Infinity, Infinity))[0].map(([t]) => t)).toEqual(ts);
    expect(Array.from(core.overlapping(Uint32Array.of(ref), 1, 2 ** 53 - 3))).toEqual([]);
    expect(Array.from(core.overlapping(Uint32Array.of(ref), 1, 2 ** 53 - 2))).toEqual([ref]);
  });
});

describe('batches are freed', () => {
  test('decode/release cycles leave the heap where it was', () => {
    const core = loadCore();
    const n = 5000;
    const first = core.newSeries(n);
    const refs = Uint32Array.from({ length: n }, (_, i) => first + i);
    for (let k = 0; k < 200; k++) core.appendScrape(T0 + k * 15_000, refs, new Float64Array(n).fill(k));
    const cycle = () => {
      core.decode(refs, -Infinity, Infinity).release();
      const ex = core.exportChunks(refs, { includeOpen: true });
      core.decodeChunks(ex.chunks, ex.chunkOffsets, ex.seriesChunkStarts, -Infinity, Infinity).release();
    };
    cycle(); // the first cycle sizes the argument buffers
    const before = core.stats();
    for (let k = 0; k < 30; k++) cycle();
    const after = core.stats();
    expect(after.headBytes).toBe(before.headBytes);
    expect(after.memoryBytes).toBe(before.memoryBytes);
  });
});
