// Core.mergeBatches: series of several batches joined into one, in WebAssembly memory — parts
// that follow each other in time are concatenated, overlapping ones sorted with the earlier
// part winning on equal timestamps, staleness bits kept, and bad parts refused.
import { describe, expect, test } from 'vitest';
import { loadCore, CoreInputError, type Core, type CoreBatch } from '../../core-wasm/host/index.ts';
import { bitsOf, f64FromBits } from './helpers.ts';

const STALE_BITS = 0x7ff0000000000002n;

/** batch makes a batch of the given series, each a list of [t, v] samples; v 'stale' is the staleness marker. */
function batch(core: Core, series: [number, number | 'stale'][][]): CoreBatch {
  const offsets = new Int32Array(series.length + 1);
  series.forEach((s, i) => (offsets[i + 1] = offsets[i] + s.length));
  const flat = series.flat();
  const vs = new Float64Array(flat.length);
  flat.forEach(([, v], i) => vs.set(v === 'stale' ? f64FromBits(STALE_BITS) : [v], i));
  return core.fromColumns(offsets, Float64Array.from(flat, ([t]) => t), vs);
}

/** columns reads series i of a batch back as [t, v] pairs. */
function samples(b: CoreBatch, i: number): [number, number][] {
  const o = b.offsets(), ts = b.timestamps(), vs = b.values();
  return Array.from({ length: o[i + 1] - o[i] }, (_, k) => [ts[o[i] + k], vs[o[i] + k]] as [number, number]);
}

describe('mergeBatches', () => {
  test('parts in time order are concatenated; empty parts and absent series give what the others hold', () => {
    const core = loadCore();
    const a = batch(core, [[[1, 10], [2, 20]], [], [[5, 50]]]);
    const b = batch(core, [[[3, 30], [4, 40]], [[7, 70]]]);
    // series 0: a0 then b0; series 1: a1 (empty) then b1; series 2: a2 alone; series 3: no parts.
    const parts = new Uint32Array([0, 0, 1, 0, 0, 1, 1, 1, 0, 2]);
    const m = core.mergeBatches([a, b], parts, new Uint32Array([0, 2, 4, 5, 5]));
    expect(m.seriesCount).toBe(4);
    expect(samples(m, 0)).toEqual([[1, 10], [2, 20], [3, 30], [4, 40]]);
    expect(samples(m, 1)).toEqual([[7, 70]]);
    expect(samples(m, 2)).toEqual([[5, 50]]);
    expect(samples(m, 3)).toEqual([]);
    expect(m.sampleCount).toBe(6);
    // The inputs are untouched and still usable.
    expect(samples(a, 0)).toEqual([[1, 10], [2, 20]]);
    for (const x of [a, b, m]) x.release();
  });

  test('overlapping parts are sorted; on equal timestamps the earlier part wins, bits kept', () => {
    const core = loadCore();
    const a = batch(core, [[[2, 1], [4, 'stale'], [6, 3]]]);
    const b = batch(core, [[[1, 100], [2, 200], [4, 400], [5, 500], [6, 600], [9, 900]]]);
    const m = core.mergeBatches([a, b], new Uint32Array([0, 0, 1, 0]), new Uint32Array([0, 2]));
    expect(Array.from(m.timestamps())).toEqual([1, 2, 4, 5, 6, 9]);
    expect(bitsOf(m.values())).toEqual(bitsOf(new Float64Array([100, 1, 0, 500, 3, 900])).with(2, STALE_BITS.toString(16)));
    // The other priority order keeps b's samples.
    const n = core.mergeBatches([a, b], new Uint32Array([1, 0, 0, 0]), new Uint32Array([0, 2]));
    expect(samples(n, 0).map(([, v]) => v)).toEqual([100, 200, 400, 500, 600, 900]);
    for (const x of [a, b, m, n]) x.release();
  });

  test('refuses parts and starts that name nothing, and batches of another core', () => {
    const core = loadCore();
    const a = batch(core, [[[1, 1]]]);
    expect(() => core.mergeBatches([a], new Uint32Array([1, 0]), new Uint32Array([0, 1]))).toThrow(/part 0 \(batch 1, series 0\) names no series/);
    expect(() => core.mergeBatches([a], new Uint32Array([0, 1]), new Uint32Array([0, 1]))).toThrow(CoreInputError);
    expect(() => core.mergeBatches([a], new Uint32Array([0, 0]), new Uint32Array([0, 2]))).toThrow(/partStarts ends at 2 but parts holds 1/);
    expect(() => core.mergeBatches([a], new Uint32Array([0, 0, 0, 0]), new Uint32Array([0, 2, 1, 2]))).toThrow(/partStarts\[1\] = 2 is out of order/);
    const other = loadCore();
    expect(() => other.mergeBatches([a], new Uint32Array([0, 0]), new Uint32Array([0, 1]))).toThrow(/batch of one core passed to another/);
    a.release();
    expect(() => core.mergeBatches([a], new Uint32Array([0, 0]), new Uint32Array([0, 1]))).toThrow(/after release/);
  });
});
