// The head checked against a plain model of the append contract: per series, a map from
// timestamp to value bits and the newest timestamp. Seeded random batches mix in-order samples,
// exact duplicates, conflicting rewrites and out-of-order samples inside and outside the window;
// every status, every decode (sorted, duplicate-free, bit-exact) and every overlap query must match.
import { describe, expect, test } from 'vitest';
import { loadCore, AppendStatus } from '../../core-wasm/host/index.ts';
import { xorshiftRng as rng } from './helpers.ts';

/** ModelSeries: what a series must hold after the appends so far. */
class ModelSeries {
  readonly samples = new Map<number, bigint>();
  maxT = -Infinity;

  append(t: number, bits: bigint, window: number): number {
    if (this.samples.size === 0 || t > this.maxT) {
      this.samples.set(t, bits);
      this.maxT = t;
      return AppendStatus.APPENDED;
    }
    if (t < this.maxT - window) return AppendStatus.OUT_OF_BOUNDS;
    const old = this.samples.get(t);
    if (old !== undefined) return old === bits ? AppendStatus.DUPLICATE : AppendStatus.CONFLICT;
    if (t === this.maxT) throw new Error('unreachable');
    this.samples.set(t, bits);
    return AppendStatus.APPENDED;
  }

  range(mint: number, maxt: number): [number, bigint][] {
    return [...this.samples].filter(([t]) => t >= mint && t <= maxt).sort((a, b) => a[0] - b[0]);
  }
}

interface Scenario {
  name: string;
  window: number;
  seed: number;
  series: number;
  rounds: number;
  perRound: number;
  samplesPerChunk?: number;
}

const scenarios: Scenario[] = [
  { name: 'no out-of-order window', window: 0, seed: 1, series: 20, rounds: 60, perRound: 80 },
  { name: '10 min window', window: 600_000, seed: 2, series: 20, rounds: 60, perRound: 80 },
  { name: '3 h window (older than a chunk range)', window: 3 * 3_600_000, seed: 3, series: 10, rounds: 80, perRound: 60 },
  { name: 'small chunks, 1 min window', window: 60_000, seed: 4, series: 5, rounds: 80, perRound: 50, samplesPerChunk: 8 },
];

const VALUE_BITS = [0x7ff0000000000002n, 0x8000000000000000n, 0x7ff0000000000000n, 0x3ff0000000000000n, 0x4000000000000000n];

describe('head against the model', () => {
  test.each(scenarios)('$name', ({ window, seed, series, rounds, perRound, samplesPerChunk }) => {
    const r = rng(seed);
    const core = loadCore({ outOfOrderWindowMs: window, samplesPerChunk });
    const first = core.newSeries(series);
    const model = Array.from({ length: series }, () => new ModelSeries());
    let now = 1_700_000_000_000;
    for (let round = 0; round < rounds; round++) {
      now += Math.floor(r() * 120_000);
      const refs = new Uint32Array(perRound);
      const ts = new Float64Array(perRound);
      const words = new BigUint64Array(perRound);
      for (let i = 0; i < perRound; i++) {
        const s = Math.floor(r() * series);
        refs[i] = first + s;
        const m = model[s];
        const pick = r();
        const known = [...m.samples.keys()];
        if (pick < 0.15 && known.length > 0) {
          // An old timestamp again: same value (duplicate) or another (conflict).
          const t = known[Math.floor(r() * known.length)];
          ts[i] = t;
          words[i] = r() < 0.5 ? m.samples.get(t)! : VALUE_BITS[Math.floor(r() * VALUE_BITS.length)];
        } else {
          // Around `now`: mostly new, sometimes in the past by up to twice the window.
          ts[i] = now - Math.floor(r() * r() * (2 * window + 300_000));
          words[i] = r() < 0.3 ? VALUE_BITS[Math.floor(r() * VALUE_BITS.length)] : BigInt(Math.floor(r() * 1e6)) << 20n;
        }
      }
      const status = core.appendSamples(refs, ts, new Float64Array(words.buffer));
      for (let i = 0; i < perRound; i++) {
        const want = model[refs[i] - first].append(ts[i], words[i], window);
        if (status[i] !== want) {
          throw new Error(`round ${round} sample ${i}: series ${refs[i]} t=${ts[i]} bits=${words[i].toString(16)}: status ${status[i]}, model says ${want}`);
        }
      }
      if (round % 10 === 9) compare(core, first, model, now, r);
    }
    compare(core, first, model, now, r);
  });
});

function compare(core: ReturnType<typeof loadCore>, first: number, model: ModelSeries[], now: number, r: () => number): void {
  const refs = Uint32Array.from(model, (_, i) => first + i);
  const ranges: [number, number][] = [[-Infinity, Infinity], [now - 3_600_000, now - 600_000], [now - 5 * 3_600_000 + Math.floor(r() * 3_600_000), now - 4 * 3_600_000]];
  for (const [mint, maxt] of ranges) {
    const batch = core.decode(refs, mint, maxt);
    try {
      const off = batch.offsets();
      const tsCol = batch.timestamps();
      const bits = new BigUint64Array(batch.values().slice().buffer);
      model.forEach((m, s) => {
        const got: [number, bigint][] = [];
        for (let k = off[s]; k < off[s + 1]; k++) got.push([tsCol[k], bits[k]]);
        expect(got, `series ${s} over [${mint}, ${maxt}]`).toEqual(m.range(mint, maxt));
      });
    } finally {
      batch.release();
    }
    const overlapping = Array.from(core.overlapping(refs, mint, maxt));
    const want = model.flatMap((m, s) => (m.range(mint, maxt).length > 0 ? [first + s] : []));
    expect(overlapping, `overlapping over [${mint}, ${maxt}]`).toEqual(want);
  }
}

describe('views across memory growth', () => {
  test('a batch taken before memory grows still reads right afterwards', () => {
    const core = loadCore();
    const n = 1000;
    const first = core.newSeries(n);
    const refs = Uint32Array.from({ length: n }, (_, i) => first + i);
    const t0 = 1_700_000_000_000;
    for (let k = 0; k < 10; k++) core.appendScrape(t0 + k * 15_000, refs, Float64Array.from(refs, (ref) => ref * 1000 + k));
    const batch = core.decode(refs, -Infinity, Infinity);
    const staleView = batch.timestamps();
    const before = core.stats().memoryBytes;
    // Grow memory: many more series and samples.
    const more = core.newSeries(50_000);
    const moreRefs = Uint32Array.from({ length: 50_000 }, (_, i) => more + i);
    for (let k = 0; k < 40; k++) core.appendScrape(t0 + k * 15_000, moreRefs, new Float64Array(50_000).fill(k * 0.5));
    expect(core.stats().memoryBytes).toBeGreaterThan(before);
    expect(staleView.length).toBe(0); // the old view was detached by memory.grow
    const off = batch.offsets();
    const ts = batch.timestamps();
    const vs = batch.values();
    expect(batch.sampleCount).toBe(n * 10);
    for (let s = 0; s < n; s++) {
      expect(off[s + 1] - off[s]).toBe(10);
      for (let k = 0; k < 10; k++) {
        expect(ts[off[s] + k]).toBe(t0 + k * 15_000);
        expect(vs[off[s] + k]).toBe(refs[s] * 1000 + k);
      }
    }
    batch.release();
    expect(() => batch.values()).toThrow(/BUG/);
  });
});
