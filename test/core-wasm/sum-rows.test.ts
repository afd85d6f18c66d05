// Core.sumRows against a reference written from Prometheus' sum (kahanSumInc per cell, series
// in order): random rows with NaN, ±Inf, -0, huge values that overflow, absent cells and skipped
// rows, folded over several calls into the same running sums, must give identical bits (NaN
// matching NaN).
import { describe, expect, test } from 'vitest';
import { CoreInputError, loadCore } from '../../core-wasm/host/index.ts';
import { mulberryRng as rng } from './helpers.ts';

/** refSum: the reference fold of rows (row i into group groupOf[i], −1 skipped) into sums/comps/seen. */
function refSum(values: Float64Array, present: Uint8Array, count: number, steps: number, groupOf: Int32Array, sums: Float64Array, comps: Float64Array, seen: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < count; i++) {
    const g = groupOf[i];
    if (g < 0) continue;
    for (let j = 0; j < steps; j++) {
      const k = i * steps + j;
      if (!present[k]) continue;
      n++;
      const c = g * steps + j, f = values[k];
      if (!seen[c]) {
        seen[c] = 1;
        sums[c] = f;
        continue;
      }
      const sum = sums[c], t = sum + f;
      if (t === Infinity || t === -Infinity) comps[c] = 0;
      else if (Math.abs(sum) >= Math.abs(f)) comps[c] += sum - t + f;
      else comps[c] += f - t + sum;
      sums[c] = t;
    }
  }
  return n;
}

function randomRows(rand: () => number, count: number, steps: number): { values: Float64Array; present: Uint8Array } {
  const values = new Float64Array(count * steps), present = new Uint8Array(count * steps);
  for (let k = 0; k < values.length; k++) {
    const r = rand();
    values[k] = r < 0.03 ? NaN : r < 0.05 ? Infinity : r < 0.06 ? -Infinity : r < 0.08 ? -0 : r < 0.15 ? (rand() < 0.5 ? 1e308 : -1e308) : (rand() - 0.4) * 10 ** Math.floor(rand() * 30 - 10);
    present[k] = rand() < 0.85 ? 1 : 0;
  }
  return { values, present };
}

/** sameBits: identical bits, but any NaN matches any NaN (WebAssembly and JavaScript may set a NaN's sign differently). */
function sameBits(a: Float64Array, b: Float64Array): boolean {
  const x = new BigUint64Array(a.buffer, a.byteOffset, a.length), y = new BigUint64Array(b.buffer, b.byteOffset, b.length);
  return x.length === y.length && x.every((v, i) => v === y[i] || (Number.isNaN(a[i]) && Number.isNaN(b[i])));
}

describe('Core.sumRows', () => {
  const core = loadCore();

  test('folds rows into groups as Prometheus sums, over several calls', () => {
    for (const seed of [1, 2, 3, 4]) {
      const rand = rng(seed);
      const steps = 1 + Math.floor(rand() * 50), groups = 1 + Math.floor(rand() * 6);
      const cells = groups * steps;
      const got = { sums: new Float64Array(cells), comps: new Float64Array(cells), seen: new Uint8Array(cells) };
      const want = { sums: new Float64Array(cells), comps: new Float64Array(cells), seen: new Uint8Array(cells) };
      let folded = 0;
      for (let call = 0; call < 6; call++) {
        const count = Math.floor(rand() * 40);
        const rows = randomRows(rand, count + 3, steps);
        const groupOf = Int32Array.from({ length: count }, () => (rand() < 0.1 ? -1 : Math.floor(rand() * groups)));
        // Rows 3 … 3 + count of the matrix: the call's `row` offset.
        const off = { values: rows.values.subarray(3 * steps), present: rows.present.subarray(3 * steps) };
        const n = core.sumRows(rows, 3, count, steps, groupOf, got);
        expect(n).toBe(refSum(off.values, off.present, count, steps, groupOf, want.sums, want.comps, want.seen));
        folded += n;
      }
      expect(folded).toBeGreaterThan(0);
      expect(got.seen).toEqual(want.seen);
      expect(sameBits(got.sums, want.sums), `seed ${seed}: sums`).toBe(true);
      expect(sameBits(got.comps, want.comps), `seed ${seed}: compensations`).toBe(true);
    }
  });

  test('a kernel sums its rows where it computes them as sumRows sums them copied out', () => {
    const rand = rng(9);
    const n = 12, per = 80;
    const offsets = Int32Array.from({ length: n + 1 }, (_, i) => i * per);
    const ts = Float64Array.from({ length: n * per }, (_, k) => 1_700_000_000_000 + (k % per) * 15_000 + (k % 7));
    const vs = Float64Array.from({ length: n * per }, (_, k) => (rand() < 0.05 ? NaN : Math.floor(k / 3) * (1 + (k % 5))));
    const batch = core.fromColumns(offsets, ts, vs);
    const grid = { start: 1_700_000_000_000, step: 30_000, steps: 40 };
    const groupOf = Int32Array.from({ length: n }, (_, i) => (i === 5 ? -1 : i % 3));
    const fresh = () => ({ sums: new Float64Array(3 * grid.steps), comps: new Float64Array(3 * grid.steps), seen: new Uint8Array(3 * grid.steps) });
    for (const [kind, run] of [
      ['rate', (into?: object) => batch.kernels.range('rate', grid, 120_000, [], into as never)],
      ['instant', (into?: object) => batch.kernels.instant(grid, 300_000, into as never)],
    ] as const) {
      const m = run();
      const want = fresh(), got = fresh();
      const n1 = core.sumRows(m, 0, n, grid.steps, groupOf, want);
      let seenPresent: number[] = [];
      const sum = { groupOf: (present: Uint8Array) => ((seenPresent = Array.from(present)), groupOf), cells: () => got, folded: undefined as number | undefined };
      const slot = { series: n, steps: grid.steps, values: new Float64Array(n * grid.steps), present: new Uint8Array(n * grid.steps) };
      run({ matrix: slot, row: 0, sum });
      expect(seenPresent, kind).toEqual(Array.from(m.present));
      expect(sum.folded, kind).toBe(n1);
      expect(sameBits(got.sums, want.sums), kind).toBe(true);
      expect(sameBits(got.comps, want.comps), kind).toBe(true);
      expect(got.seen, kind).toEqual(want.seen);
      expect(slot.present.every((p) => p === 0), `${kind}: the slot is left alone`).toBe(true);
    }
    batch.release();
  });

  test('rows with every cell present into started sums (the core adds them two cells at a time)', () => {
    for (const seed of [5, 6, 7]) {
      const rand = rng(seed);
      for (const steps of [1, 2, 7, 16, 33]) {
        const groups = 3, cells = groups * steps;
        const got = { sums: new Float64Array(cells), comps: new Float64Array(cells), seen: new Uint8Array(cells) };
        const want = { sums: new Float64Array(cells), comps: new Float64Array(cells), seen: new Uint8Array(cells) };
        for (let call = 0; call < 5; call++) {
          const count = 1 + Math.floor(rand() * 20);
          const rows = randomRows(rand, count, steps);
          // All present but in a few rows, so that most rows fall into sums already started.
          for (let i = 0; i < count; i++) if (rand() < 0.8) rows.present.fill(1, i * steps, (i + 1) * steps);
          const groupOf = Int32Array.from({ length: count }, (_, i) => (call === 0 && i < groups ? i : Math.floor(rand() * groups)));
          if (call === 0) rows.present.fill(1, 0, Math.min(count, groups) * steps);
          const n = core.sumRows(rows, 0, count, steps, groupOf, got);
          expect(n).toBe(refSum(rows.values, rows.present, count, steps, groupOf, want.sums, want.comps, want.seen));
        }
        expect(got.seen, `seed ${seed}, ${steps} steps`).toEqual(want.seen);
        expect(sameBits(got.sums, want.sums), `seed ${seed}, ${steps} steps: sums`).toBe(true);
        expect(sameBits(got.comps, want.comps), `seed ${seed}, ${steps} steps: compensations`).toBe(true);
      }
    }
  });

  test('leaves groups no row falls into untouched', () => {
    const cells = { sums: new Float64Array(6).fill(7), comps: new Float64Array(6).fill(0.5), seen: new Uint8Array(6).fill(1) };
    const rows = { values: Float64Array.of(1, 2), present: Uint8Array.of(1, 1) };
    expect(core.sumRows(rows, 0, 1, 2, Int32Array.of(1), cells)).toBe(2);
    expect(Array.from(cells.sums)).toEqual([7, 7, 8, 9, 7, 7]);
    expect(Array.from(cells.comps)).toEqual([0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
  });

  test('refuses groups and rows outside what it is given', () => {
    const cells = { sums: new Float64Array(4), comps: new Float64Array(4), seen: new Uint8Array(4) };
    const rows = { values: new Float64Array(4), present: new Uint8Array(4) };
    expect(() => core.sumRows(rows, 0, 2, 2, Int32Array.of(0, 2), cells)).toThrow(CoreInputError);
    expect(() => core.sumRows(rows, 1, 2, 2, Int32Array.of(0, 1), cells)).toThrow(/do not fit/);
    expect(() => core.sumRows(rows, 0, 2, 2, Int32Array.of(0), cells)).toThrow(/1 groups for 2 rows/);
    expect(() => core.sumRows(rows, 0, 1, 0, Int32Array.of(0), cells)).toThrow(/steps/);
  });
});
