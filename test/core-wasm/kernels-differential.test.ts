// The PromQL kernels against the TypeScript reference (kernels-reference.ts) on random series:
// counters with resets, gauges, NaN, ±Inf, huge values, staleness markers, irregular intervals,
// gaps, and grids whose windows are empty, hold one sample, or span everything. Results must be
// identical (NaN matches NaN; the reference repeats Prometheus' float operations in order).
import { describe, expect, test } from 'vitest';
import { loadCore, KernelParamError, RANGE_FUNCTIONS, type Core } from '../../core-wasm/host/index.ts';
import { STALE_NAN } from '../../shared/model/stale.ts';
import type { RangeFunction, SampleBatch, StepGrid, StepMatrix } from '../../shared/storage/interface.ts';
import { refInstant, refRange, RefParamError, type RefSeries } from './kernels-reference.ts';
import { mulberryRng as rng } from './helpers.ts';

/**
 * randomSeries: `count` series of up to `maxLen` samples starting near t0, of mixed shapes. A
 * `steady` series is scraped at a fixed interval (a multiple of 5 s) but for rare gaps and late
 * scrapes, so that consecutive windows often have the same times (which rate's kernel exploits).
 */
function randomSeries(rand: () => number, count: number, maxLen: number, t0: number, steady = false): RefSeries[] {
  const out: RefSeries[] = [];
  for (let s = 0; s < count; s++) {
    const n = Math.floor(rand() * maxLen);
    const ts = new Float64Array(n);
    const vs = new Float64Array(n);
    const kind = Math.floor(rand() * 4);
    let t = t0 + Math.floor(rand() * 60_000);
    let v = kind === 3 ? 1e307 : Math.floor(rand() * 100);
    const interval = 5_000 * (1 + Math.floor(rand() * 4));
    for (let i = 0; i < n; i++) {
      ts[i] = t;
      const r = rand();
      if (kind === 0) {
        v = r < 0.1 ? Math.floor(rand() * 5) : v + Math.floor(rand() * 20); // counter with resets
      } else if (kind === 1) {
        v = (rand() - 0.5) * 1000; // gauge
      } else if (kind === 2) {
        v = Math.round(rand() * 4) - 2; // small integers: ties, zeros, -0 after sums
      } else {
        v = rand() < 0.5 ? 1e308 : -5e307; // sums overflow
      }
      const special = rand();
      if (special < 0.04) vs[i] = STALE_NAN;
      else if (special < 0.07) vs[i] = NaN;
      else if (special < 0.09) vs[i] = Infinity;
      else if (special < 0.1) vs[i] = -Infinity;
      else if (special < 0.11) vs[i] = -0;
      else vs[i] = v;
      if (steady) {
        const r2 = rand();
        t += r2 < 0.01 ? 300_000 + Math.floor(rand() * 600_000) : r2 < 0.03 ? interval + 1 + Math.floor(rand() * 3) : interval;
      } else {
        // Irregular intervals, occasional long gaps.
        t += rand() < 0.05 ? 300_000 + Math.floor(rand() * 600_000) : 1 + Math.floor(rand() * 30_000);
      }
    }
    out.push({ ts, vs });
  }
  return out;
}

function toBatch(core: Core, series: RefSeries[]): SampleBatch {
  const offsets = new Int32Array(series.length + 1);
  series.forEach((s, i) => (offsets[i + 1] = offsets[i] + s.ts.length));
  const ts = new Float64Array(offsets[series.length]);
  const vs = new Float64Array(offsets[series.length]);
  series.forEach((s, i) => {
    ts.set(s.ts, offsets[i]);
    vs.set(s.vs, offsets[i]);
  });
  return core.fromColumns(offsets, ts, vs);
}

/** same: identical matrices, NaN equal to NaN (any payload), 0 and -0 told apart. */
function expectSame(got: StepMatrix, want: StepMatrix, what: string): void {
  expect(got.series, what).toBe(want.series);
  expect(got.steps, what).toBe(want.steps);
  for (let k = 0; k < want.present.length; k++) {
    const a = got.values[k], b = want.values[k];
    const same = got.present[k] === want.present[k] &&
      (!want.present[k] || ((Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b))) && (!want.timestamps || got.timestamps![k] === want.timestamps[k])));
    if (same) continue;
    const where = `${what}: series ${Math.floor(k / want.steps)} step ${k % want.steps}`;
    expect({ present: got.present[k], value: a, t: got.timestamps?.[k] }, where).toEqual({ present: want.present[k], value: b, t: want.timestamps?.[k] });
  }
}

const T0 = 1_700_000_000_000;

/** Grids: windows that are mostly empty, that hold a sample or two, and that span everything. */
const GRIDS: { name: string; grid: StepGrid; range: number }[] = [
  { name: '60 s steps, 5 m windows', grid: { start: T0, step: 60_000, steps: 120 }, range: 300_000 },
  { name: '15 s steps, 10 s windows', grid: { start: T0 - 30_000, step: 15_000, steps: 200 }, range: 10_000 },
  { name: 'windows wider than the data', grid: { start: T0 + 1_000_000, step: 3_600_000, steps: 5 }, range: 1e12 },
  { name: 'one step', grid: { start: T0 + 1_234_567, step: 0, steps: 1 }, range: 3_600_000 },
  { name: '1 ms windows on odd steps', grid: { start: T0 + 7, step: 7_777, steps: 300 }, range: 1 },
  // Ranges whose seconds Go's Duration.Seconds() rounds otherwise than range / 1000 (rate).
  { name: '1118 ms windows', grid: { start: T0, step: 1_000, steps: 400 }, range: 1_118 },
  { name: '2 m 0.3 s windows', grid: { start: T0, step: 30_000, steps: 60 }, range: 120_300 },
];

function paramsFor(fn: RangeFunction, steps: number, rand: () => number): Float64Array[] {
  const col = (f: (j: number) => number) => Float64Array.from({ length: steps }, (_, j) => f(j));
  switch (fn) {
    case 'quantile_over_time':
      return [col((j) => [0, 0.25, 0.5, 0.9, 1, -0.5, 1.5, NaN][j % 8])];
    case 'predict_linear':
      return [col(() => Math.floor(rand() * 7200) - 600)];
    case 'double_exponential_smoothing':
      return [col(() => 0.05 + rand() * 0.9), col(() => 0.05 + rand() * 0.9)];
    default:
      return [];
  }
}

describe('kernels against the reference on random data', () => {
  const core = loadCore();
  let presentCells = 0;
  for (const seed of [1, 2, 3]) {
    const rand = rng(seed);
    const series = [...randomSeries(rand, 40, 400, T0), ...randomSeries(rand, 40, 400, T0, true)];
    for (const { name, grid, range } of GRIDS) {
      test(`seed ${seed}, ${name}: instant`, () => {
        const batch = toBatch(core, series);
        expectSame(batch.kernels.instant(grid, range), refInstant(series, grid, range), 'instant');
        batch.release();
      });
      test(`seed ${seed}, ${name}: every range function`, () => {
        const batch = toBatch(core, series);
        for (const fn of RANGE_FUNCTIONS) {
          const params = paramsFor(fn, grid.steps, rand);
          const want = refRange(fn, series, grid, range, params);
          expectSame(batch.kernels.range(fn, grid, range, params), want, fn);
          presentCells += want.present.reduce((a, b) => a + b, 0);
        }
        batch.release();
      });
    }
  }
  test('the random cases hold values, not only absent cells', () => {
    expect(presentCells).toBeGreaterThan(100_000);
  });
});

describe('counters with one reset and no staleness markers', () => {
  // The counter functions first scan a series for markers and resets, several samples at a time:
  // a reset at any position, near the end too, must be seen.
  const core = loadCore();
  const series: RefSeries[] = [];
  for (const n of [2, 3, 4, 5, 8, 9, 13, 30]) {
    for (let at = 1; at < n; at++) {
      const ts = Float64Array.from({ length: n }, (_, i) => T0 + i * 15_000);
      series.push({ ts, vs: Float64Array.from({ length: n }, (_, i) => (i < at ? 100 + i * 7 : i - at)) });
    }
  }
  const grid = { start: T0, step: 15_000, steps: 32 };
  for (const fn of ['rate', 'increase', 'resets'] as const) {
    test(fn, () => {
      const batch = toBatch(core, series);
      expectSame(batch.kernels.range(fn, grid, 1e9, []), refRange(fn, series, grid, 1e9, []), fn);
      batch.release();
    });
  }
});

describe('series at an exact interval', () => {
  // rate, increase and delta move a window over a series whose samples lie exactly one interval
  // apart by a whole number of samples when the step is a multiple of the interval: windows that
  // reach past either end, counters with resets and with values near zero (the zero limit of
  // the extrapolation), markers that break the interval (so the series is not read in place), a
  // marker-free counter whose interval changes, and steps that are not multiples.
  const core = loadCore();
  const rand = rng(77);
  const series: RefSeries[] = [];
  for (const interval of [15_000, 10_000, 7_000]) {
    for (let s = 0; s < 12; s++) {
      const n = 2 + Math.floor(rand() * 200);
      const t0 = T0 + Math.floor(rand() * 5) * 1_000 + (s % 3 === 0 ? 0 : interval * Math.floor(rand() * 20));
      const ts = Float64Array.from({ length: n }, (_, i) => t0 + i * interval);
      let v = s % 4 === 0 ? 0 : Math.floor(rand() * 1e6);
      const vs = Float64Array.from({ length: n }, () => {
        const r = rand();
        v = s % 4 === 1 && r < 0.03 ? Math.floor(rand() * 10) : s % 4 === 2 ? (rand() - 0.5) * 100 : v + Math.floor(rand() * 50);
        return s % 6 === 5 && r > 0.97 ? STALE_NAN : v;
      });
      series.push({ ts, vs });
    }
  }
  // Counters whose windows stop extrapolating at zero (a first value far below the increase):
  // one that rises slowly and then fast, and one whose fall is hidden behind a NaN, so that its
  // first values overall cover its last value while later windows' do not.
  const regular = (n: number) => Float64Array.from({ length: n }, (_, i) => T0 + i * 15_000);
  series.push({ ts: regular(150), vs: Float64Array.from({ length: 150 }, (_, i) => (i < 6 ? i : i * 1e6)) });
  series.push({ ts: regular(150), vs: Float64Array.from({ length: 150 }, (_, i) => (i < 8 ? 1000 + i : i === 8 ? NaN : 0.5 + (i - 9) * 3)) });
  // A counter whose first values cover its increase for a while and then do not: the check
  // against the series' last value, not the window's.
  series.push({ ts: regular(200), vs: Float64Array.from({ length: 200 }, (_, i) => (i < 60 ? 1000 + i : 1060 + (i - 60) * 1e5)) });
  // Rising counters without markers, each at 15 s but for one interval 1 ms longer (at each of
  // eight positions, for every lane of the scan that checks the intervals four at a time).
  for (let at = 41; at <= 48; at++) {
    series.push({ ts: Float64Array.from({ length: 120 }, (_, i) => T0 + i * 15_000 + (i >= at ? 1 : 0)), vs: Float64Array.from({ length: 120 }, (_, i) => 5e5 + i * 11) });
  }
  // A rising counter without markers at 15 s for 30 samples, then alternately 15 and 20 s: read in
  // place, but not at one interval.
  {
    let t = T0;
    const ts = Float64Array.from({ length: 200 }, (_, i) => ((t += i === 0 ? 0 : i <= 30 || i % 2 === 0 ? 15_000 : 20_000), t));
    series.push({ ts, vs: Float64Array.from({ length: 200 }, (_, i) => 100 + i * 7) });
  }
  const grids: { name: string; grid: StepGrid; range: number }[] = [
    { name: 'steps of 60 s, 5 m windows', grid: { start: T0 - 120_000, step: 60_000, steps: 60 }, range: 300_000 },
    { name: 'steps of 60 s from an odd ms, 5 m windows', grid: { start: T0 + 1, step: 60_000, steps: 60 }, range: 300_000 },
    { name: 'steps of 15 s, 1 m windows', grid: { start: T0 + 3_000, step: 15_000, steps: 240 }, range: 60_000 },
    { name: 'steps of 30 s, 42 s windows', grid: { start: T0 + 1, step: 30_000, steps: 120 }, range: 42_000 },
    { name: 'steps of 70 s, 10 m windows', grid: { start: T0 + 500_000, step: 70_000, steps: 50 }, range: 600_000 },
    { name: 'steps of 45 s, 20.5 s windows', grid: { start: T0, step: 45_000, steps: 80 }, range: 20_500 },
  ];
  for (const { name, grid, range } of grids) {
    for (const fn of ['rate', 'increase', 'delta'] as const) {
      test(`${name}: ${fn}`, () => {
        const batch = toBatch(core, series);
        const want = refRange(fn, series, grid, range, []);
        expectSame(batch.kernels.range(fn, grid, range, []), want, fn);
        expect(want.present.reduce((a, b) => a + b, 0)).toBeGreaterThan(200);
        batch.release();
      });
    }
  }
});

describe('series at an exact interval, on a grid that starts between two ms', () => {
  // Near 2^41 ms an f64 holds a quarter of a millisecond at most: window edges off the whole ms
  // round, so moving a window by whole samples would no longer match the windows Prometheus takes.
  const core = loadCore();
  const t0 = 2 ** 41 - 2_400_000;
  const series: RefSeries[] = [0, 5_000, 9_999].map((off) => ({
    ts: Float64Array.from({ length: 200 }, (_, i) => t0 + off + i * 15_000),
    vs: Float64Array.from({ length: 200 }, (_, i) => 1e6 + i * 37),
  }));
  const grid = { start: t0 + 600_000 + 0.3, step: 60_000, steps: 40 };
  for (const fn of ['rate', 'increase', 'delta'] as const) {
    test(fn, () => {
      const batch = toBatch(core, series);
      const want = refRange(fn, series, grid, 300_000, []);
      expectSame(batch.kernels.range(fn, grid, 300_000, []), want, fn);
      expect(want.present.reduce((a, b) => a + b, 0)).toBeGreaterThan(100);
      batch.release();
    });
  }
});

describe('double_exponential_smoothing factors', () => {
  const core = loadCore();
  const series: RefSeries[] = [{ ts: Float64Array.of(T0, T0 + 60_000), vs: Float64Array.of(1, 2) }];
  const grid = { start: T0 - 120_000, step: 60_000, steps: 4 };
  const check = (sf: number[], tf: number[], refused: 'sf' | 'tf' | null, step = -1) => {
    const batch = toBatch(core, series);
    const params = [Float64Array.from(sf), Float64Array.from(tf)];
    const run = () => batch.kernels.range('double_exponential_smoothing', grid, 60_000, params);
    if (refused) {
      expect(() => refRange('double_exponential_smoothing', series, grid, 60_000, params)).toThrow(RefParamError);
      expect(run).toThrow(KernelParamError);
      try {
        run();
      } catch (err) {
        expect((err as KernelParamError).parameter).toBe(refused);
        expect((err as KernelParamError).step).toBe(step);
      }
    } else {
      expectSame(run(), refRange('double_exponential_smoothing', series, grid, 60_000, params), 'des');
    }
    batch.release();
  };
  test.each([
    { name: 'valid', sf: [0.5, 0.5, 0.5, 0.5], tf: [0.5, 0.5, 0.5, 0.5], refused: null },
    { name: 'invalid where no series has samples is not checked', sf: [0, 1, 0.5, 0.5], tf: [2, 0.5, 0.5, 0.5], refused: null },
    { name: 'sf = 1 where one sample is in the window', sf: [0.5, 0.5, 1, 0.5], tf: [0.5, 0.5, 0.5, 0.5], refused: 'sf' as const, step: 2 },
    { name: 'tf = 0 at the last step', sf: [0.5, 0.5, 0.5, 0.5], tf: [0.5, 0.5, 0.5, 0], refused: 'tf' as const, step: 3 },
    { name: 'NaN factors pass, as in Prometheus', sf: [NaN, NaN, NaN, NaN], tf: [NaN, NaN, NaN, NaN], refused: null },
  ])('$name', ({ sf, tf, refused, step }) => check(sf, tf, refused, step));
});
