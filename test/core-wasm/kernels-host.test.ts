// The kernels' host side: left-open windows at their exact edges, staleness in the instant
// selector, fromColumns' copy and its refusals, argument checks, results that survive memory
// growth and the batch's release, and MemQuerier.fromColumns and load() feeding the kernels.
import { describe, expect, test } from 'vitest';
import { loadCore, CoreInputError, type CoreBatch } from '../../core-wasm/host/index.ts';
import { Labels } from '../../shared/model/labels.ts';
import { Matcher } from '../../shared/model/matcher.ts';
import { STALE_NAN } from '../../shared/model/stale.ts';
import type { BatchKernels, RangeFunction, SampleBatch, StepGrid } from '../../shared/storage/interface.ts';
import { openMemStorage } from '../../shared/storage/mem/index.ts';
import { bitsOf } from './helpers.ts';

const T0 = 1_700_000_000_000;
const core = loadCore();

/** batchOf builds a batch from [t, v] pairs; 'stale' is the marker (a plain array would lose its bits). */
function batchOf(...series: [number, number | 'stale'][][]): CoreBatch {
  const offsets = new Int32Array(series.length + 1);
  series.forEach((s, i) => (offsets[i + 1] = offsets[i] + s.length));
  const flat = series.flat();
  const vs = new Float64Array(flat.length);
  flat.forEach(([, v], i) => (vs[i] = v === 'stale' ? STALE_NAN : v));
  return core.fromColumns(offsets, Float64Array.from(flat, ([t]) => t), vs);
}

describe('window edges and staleness', () => {
  const b = batchOf([[T0, 1], [T0 + 60_000, 2], [T0 + 120_000, 'stale'], [T0 + 180_000, 4]]);
  const at = (t: number): StepGrid => ({ start: t, step: 0, steps: 1 });
  test.each([
    { name: 'sample exactly at t is in', t: T0 + 60_000, lookback: 1, want: [2, T0 + 60_000] },
    { name: 'sample exactly at t - lookback is out', t: T0 + 60_000, lookback: 60_000, want: [2, T0 + 60_000] },
    { name: 'nothing newer than t - lookback', t: T0 + 59_999, lookback: 59_999, want: null },
    { name: 'newest is a marker: absent', t: T0 + 150_000, lookback: 300_000, want: null },
    { name: 'a sample after the marker is found', t: T0 + 180_000, lookback: 300_000, want: [4, T0 + 180_000] },
    { name: 'before the first sample', t: T0 - 1, lookback: 300_000, want: null },
  ])('instant: $name', ({ t, lookback, want }) => {
    const m = b.kernels.instant(at(t), lookback);
    expect(m.present[0] ? [m.values[0], m.timestamps![0]] : null).toEqual(want);
  });
  test.each([
    { fn: 'count_over_time', t: T0 + 60_000, range: 60_000, want: 1 },
    { fn: 'count_over_time', t: T0 + 60_000, range: 60_001, want: 2 },
    { fn: 'count_over_time', t: T0 + 180_000, range: 180_001, want: 3 },
    { fn: 'last_over_time', t: T0 + 150_000, range: 100_000, want: 2 },
    { fn: 'last_over_time', t: T0 + 150_000, range: 60_000, want: null },
    { fn: 'present_over_time', t: T0 + 130_000, range: 10_000, want: null },
    { fn: 'rate', t: T0 + 60_000, range: 60_000, want: null },
    { fn: 'resets', t: T0, range: 1, want: 0 },
  ] as { fn: RangeFunction; t: number; range: number; want: number | null }[])('$fn at +$t over $range ms', ({ fn, t, range, want }) => {
    const m = b.kernels.range(fn, at(t), range);
    expect(m.present[0] ? m.values[0] : null).toEqual(want);
  });
});

describe('presentOnly slots', () => {
  test('get the present flags only, values and times left as they were', () => {
    const b = batchOf([[T0, 1], [T0 + 15_000, 2]], [[T0 + 30_000, 3]]);
    const grid = { start: T0, step: 15_000, steps: 3 };
    const full = b.kernels.instant(grid, 300_000);
    const m = { series: 2, steps: 3, values: new Float64Array(6).fill(7), present: new Uint8Array(6), timestamps: new Float64Array(6).fill(7) };
    b.kernels.instant(grid, 300_000, { matrix: m, row: 0, presentOnly: true });
    expect(Array.from(m.present)).toEqual(Array.from(full.present));
    expect(Array.from(m.values)).toEqual([7, 7, 7, 7, 7, 7]);
    expect(Array.from(m.timestamps)).toEqual([7, 7, 7, 7, 7, 7]);
    const r = { series: 2, steps: 3, values: new Float64Array(6).fill(7), present: new Uint8Array(6) };
    b.kernels.range('count_over_time', grid, 300_000, [], { matrix: r, row: 0, presentOnly: true });
    expect(Array.from(r.present)).toEqual(Array.from(b.kernels.range('count_over_time', grid, 300_000).present));
    expect(Array.from(r.values)).toEqual([7, 7, 7, 7, 7, 7]);
  });
});

describe('rate per second of its range', () => {
  test('divides by the range as Go’s Duration.Seconds() gives it, not range / 1000', () => {
    // Samples 0 … 4 every 500 ms; over (t - 1118 ms, t] the increase is 2, extrapolated by 1.118,
    // then divided by 1.1179999999999999 (Go) rather than 1.118: exactly 2 in Prometheus.
    const c = batchOf([0, 1, 2, 3, 4].map((v) => [T0 + v * 500, v] as [number, number]));
    const m = c.kernels.range('rate', { start: T0 + 2000, step: 0, steps: 1 }, 1118);
    expect(m.values[0]).toBe(2);
  });
});

describe('fromColumns', () => {
  test('copies offsets, times and exact value bits', () => {
    const b = batchOf([[1, 'stale'], [2, -0]], [], [[5, NaN]]);
    expect(Array.from(b.offsets())).toEqual([0, 2, 2, 3]);
    expect(Array.from(b.timestamps())).toEqual([1, 2, 5]);
    expect(bitsOf(b.values())).toEqual(['7ff0000000000002', '8000000000000000', '7ff8000000000000']);
    b.release();
  });
  test.each([
    { name: 'lengths differ', o: [0, 2], ts: [1, 2], vs: [1], arg: 'values' },
    { name: 'no offsets', o: [], ts: [], vs: [], arg: 'offsets' },
    { name: 'offsets decrease', o: [0, 2, 1], ts: [1, 2], vs: [1, 2], arg: 'offsets' },
    { name: 'offsets past the data', o: [0, 3], ts: [1, 2], vs: [1, 2], arg: 'offsets' },
    { name: 'negative first offset', o: [-1, 2], ts: [1, 2], vs: [1, 2], arg: 'offsets' },
    { name: 'time not increasing', o: [0, 2], ts: [2, 2], vs: [1, 2], arg: 'timestamps' },
    { name: 'NaN time', o: [0, 1], ts: [NaN], vs: [1], arg: 'timestamps' },
  ])('refuses input: $name', ({ o, ts, vs, arg }) => {
    const call = () => core.fromColumns(Int32Array.from(o), Float64Array.from(ts), Float64Array.from(vs));
    expect(call).toThrow(CoreInputError);
    expect(() => call()).toThrow(expect.objectContaining({ argument: arg }));
  });
  test('a new series may start earlier than the previous one ended', () => {
    const b = batchOf([[10, 1], [20, 2]], [[5, 3]]);
    const m = b.kernels.range('count_over_time', { start: 20, step: 0, steps: 1 }, 100);
    expect(Array.from(m.values)).toEqual([2, 1]);
    b.release();
  });
});

describe('arguments', () => {
  const b = batchOf([[T0, 1], [T0 + 1000, 2]]);
  const grid = { start: T0, step: 1000, steps: 3 };
  test.each([
    { name: 'unknown function', run: () => b.kernels.range('nope' as RangeFunction, grid, 1000) },
    { name: 'missing quantile', run: () => b.kernels.range('quantile_over_time', grid, 1000) },
    { name: 'extra parameter', run: () => b.kernels.range('rate', grid, 1000, [new Float64Array(3)]) },
    { name: 'short parameter column', run: () => b.kernels.range('predict_linear', grid, 1000, [new Float64Array(2)]) },
    { name: 'zero range', run: () => b.kernels.range('rate', grid, 0) },
    { name: 'NaN lookback', run: () => b.kernels.instant(grid, NaN) },
    { name: 'step 0 with several steps', run: () => b.kernels.instant({ start: T0, step: 0, steps: 2 }, 1000) },
    { name: 'negative step', run: () => b.kernels.instant({ start: T0, step: -1, steps: 2 }, 1000) },
    { name: 'fractional steps', run: () => b.kernels.instant({ start: T0, step: 1, steps: 1.5 }, 1000) },
    { name: 'infinite start', run: () => b.kernels.instant({ start: Infinity, step: 1, steps: 1 }, 1000) },
    { name: 'output too large', run: () => b.kernels.instant({ start: T0, step: 1, steps: 2 ** 30 }, 1000) },
  ])('refused: $name', ({ run }) => expect(run).toThrow(CoreInputError));
  test('zero steps and zero series give empty matrices', () => {
    expect(b.kernels.instant({ start: T0, step: 1, steps: 0 }, 1000).values.length).toBe(0);
    const empty = batchOf();
    const m = empty.kernels.range('rate', grid, 1000);
    expect([m.series, m.steps, m.values.length, m.present.length]).toEqual([0, 3, 0, 0]);
    empty.release();
  });
  test('a released batch is a bug to use', () => {
    const r = batchOf([[1, 1]]);
    r.release();
    expect(() => r.kernels.instant(grid, 1000)).toThrow(/BUG/);
  });
});

describe('memory growth', () => {
  test('results stay right and owned when memory grows between and after calls', () => {
    const own = loadCore();
    const n = 200;
    const ts = Float64Array.from({ length: n }, (_, i) => T0 + i * 15_000);
    const vs = Float64Array.from({ length: n }, (_, i) => i * 3);
    const b = own.fromColumns(new Int32Array([0, n]), ts, vs);
    const grid = { start: T0, step: 60_000, steps: 50 };
    const before = b.kernels.range('rate', grid, 300_000);
    const inst = b.kernels.instant(grid, 300_000);
    const bytes = own.stats().memoryBytes;
    // Grow memory by decoding a large batch, keep it alive.
    const big = own.fromColumns(new Int32Array([0, 4_000_000]), Float64Array.from({ length: 4_000_000 }, (_, i) => i), new Float64Array(4_000_000));
    expect(own.stats().memoryBytes).toBeGreaterThan(bytes);
    expect(Array.from(b.kernels.range('rate', grid, 300_000).values)).toEqual(Array.from(before.values));
    expect(before.values[10]).toBeCloseTo(0.2, 12);
    expect(inst.values[49]).toBe(3 * 196);
    big.release();
    b.release();
    expect(before.values[20]).toBeCloseTo(0.2, 12); // copies owned by the caller
  });
});

describe('MemQuerier', () => {
  test('load() and fromColumns() feed the kernels', async () => {
    const storage = openMemStorage();
    const app = storage.appender();
    for (let i = 0; i < 10; i++) {
      app.append(0, Labels.from({ __name__: 'up', job: 'a' }), T0 + i * 15_000, i);
      app.append(0, Labels.from({ __name__: 'up', job: 'b' }), T0 + i * 15_000, i * 2);
    }
    app.commit();
    const q = storage.querier(T0, T0 + 3_600_000);
    const set = q.select([new Matcher('=', '__name__', 'up')]);
    const batch: SampleBatch = set.load();
    const kernels: BatchKernels = batch.kernels;
    const m = kernels.range('sum_over_time', { start: T0 + 135_000, step: 0, steps: 1 }, 3_600_000);
    expect(Array.from(m.values)).toEqual([45, 90]);
    batch.release();
    const sub = q.fromColumns(new Int32Array([0, 2]), Float64Array.of(T0, T0 + 1000), Float64Array.of(3, 4));
    expect(Array.from(sub.kernels.instant({ start: T0 + 1000, step: 0, steps: 1 }, 5000).values)).toEqual([4]);
    sub.release();
    q.close();
    await storage.close();
  });
});

describe('writing into a caller matrix (MatrixSlot)', () => {
  const grid: StepGrid = { start: T0 + 60_000, step: 60_000, steps: 2 };
  test('slices fill their rows of one matrix; instant fills timestamps only when the matrix has them', () => {
    const a = batchOf([[T0, 1], [T0 + 60_000, 2]]);
    const b = batchOf([[T0 + 60_000, 10]], [[T0 + 120_000, 20]]);
    const withTs = { series: 3, steps: 2, values: new Float64Array(6), present: new Uint8Array(6), timestamps: new Float64Array(6) };
    expect(a.kernels.instant(grid, 300_000, { matrix: withTs, row: 0 })).toBe(withTs);
    b.kernels.instant(grid, 300_000, { matrix: withTs, row: 1 });
    expect(Array.from(withTs.values)).toEqual([2, 2, 10, 10, NaN, 20]); // absent cells hold NaN
    expect(Array.from(withTs.present)).toEqual([1, 1, 1, 1, 0, 1]);
    expect(Array.from(withTs.timestamps)).toEqual([T0 + 60_000, T0 + 60_000, T0 + 60_000, T0 + 60_000, NaN, T0 + 120_000]);
    const bare = { series: 3, steps: 2, values: new Float64Array(6), present: new Uint8Array(6) };
    b.kernels.range('count_over_time', grid, 120_001, [], { matrix: bare, row: 1 });
    expect(Array.from(bare.values)).toEqual([0, 0, 1, 1, NaN, 1]); // row 0 untouched
    expect(bare).not.toHaveProperty('timestamps');
    a.release();
    b.release();
  });

  test('a slot that does not fit is refused', () => {
    const b = batchOf([[T0, 1]], [[T0, 2]]);
    const m = { series: 2, steps: 2, values: new Float64Array(4), present: new Uint8Array(4) };
    expect(() => b.kernels.instant(grid, 300_000, { matrix: m, row: 1 })).toThrow(/2 series × 2 steps do not fit at row 1 of a 2 × 2 matrix/);
    expect(() => b.kernels.range('rate', { ...grid, steps: 3 }, 300_000, [], { matrix: m, row: 0 })).toThrow(CoreInputError);
    b.release();
  });
});
