// Folding slices into partial groups and merging the partials in order must give what folding
// every row at once gives: exactly for count, min, max and group (NaN and infinities included),
// exactly for sums of integers, and within rounding for other sums.
import { describe, expect, it } from 'vitest';
import { foldRows, mergePartial, type FoldOp, type FoldSpec } from '../../../shared/promql/parallel/fold.ts';
import type { StepMatrix } from '../../../shared/storage/interface.ts';

const SERIES = 40, STEPS = 7, GROUPS = 3;

/** rows: SERIES rows of STEPS cells, some absent, with NaN and ±Inf among floats when `special`. */
function rows(seed: number, integers: boolean, special: boolean): StepMatrix {
  let x = seed;
  const rnd = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
  const values = new Float64Array(SERIES * STEPS), present = new Uint8Array(SERIES * STEPS);
  for (let c = 0; c < values.length; c++) {
    present[c] = rnd() < 0.8 ? 1 : 0;
    const r = rnd();
    values[c] = integers ? Math.floor(r * 1000) - 300 : (r - 0.3) * 10 ** Math.floor(rnd() * 12);
    if (special && r < 0.03) values[c] = [NaN, Infinity, -Infinity][c % 3];
  }
  // A series with no value at all, and one group with none either.
  present.fill(0, 5 * STEPS, 6 * STEPS);
  return { series: SERIES, steps: STEPS, values, present };
}

const groupOf = Int32Array.from({ length: SERIES }, (_, i) => (i === 5 ? 2 : i % 2));

/** merged folds `m` in slices cut at `cuts` and merges the partials as GroupFold.merge does. */
function merged(op: FoldOp, m: StepMatrix, cuts: number[]): { seen: Uint8Array; val: Float64Array; comp: Float64Array } {
  const seen = new Uint8Array(GROUPS * STEPS), val = new Float64Array(GROUPS * STEPS), comp = new Float64Array(GROUPS * STEPS);
  const bounds = [0, ...cuts, SERIES];
  for (let k = 0; k + 1 < bounds.length; k++) {
    const [from, to] = [bounds[k], bounds[k + 1]];
    // Local groups in order of first appearance in the slice, as foldStream numbers them.
    const local = new Map<number, number>(), globals: number[] = [];
    const spec: FoldSpec = { op, groups: 0, groupOf: new Int32Array(to - from) };
    for (let i = from; i < to; i++) {
      if (!local.has(groupOf[i])) local.set(groupOf[i], globals.push(groupOf[i]) - 1);
      spec.groupOf[i - from] = local.get(groupOf[i])!;
    }
    const p = foldRows(m, from, to - from, { ...spec, groups: globals.length });
    globals.forEach((g, l) => mergePartial(op, p, l, g * STEPS, seen, val, comp));
  }
  return { seen, val, comp };
}

describe('partial folds', () => {
  for (const op of ['count', 'min', 'max', 'group'] as FoldOp[]) {
    it(`${op}: slices merged in order equal one fold, NaN and infinities included`, () => {
      const m = rows(7, false, true);
      const whole = merged(op, m, []);
      for (const cuts of [[1], [5, 6], [3, 10, 11, 30], Array.from({ length: SERIES - 1 }, (_, i) => i + 1)]) {
        const parts = merged(op, m, cuts);
        expect(parts.seen).toEqual(whole.seen);
        if (op !== 'group') expect(parts.val).toEqual(whole.val);
      }
      expect(whole.seen.subarray(2 * STEPS)).toEqual(new Uint8Array(STEPS)); // the group of the empty series
    });
  }

  it('sum: exact over integers, and within rounding over floats of mixed magnitudes', () => {
    const ints = rows(11, true, false);
    const wholeInts = merged('sum', ints, []);
    const floats = rows(13, false, false);
    const wholeFloats = merged('sum', floats, []);
    for (const cuts of [[1], [4, 20], Array.from({ length: SERIES - 1 }, (_, i) => i + 1)]) {
      const a = merged('sum', ints, cuts);
      expect(a.seen).toEqual(wholeInts.seen);
      expect(a.val.map((v, c) => v + a.comp[c])).toEqual(wholeInts.val.map((v, c) => v + wholeInts.comp[c]));
      const b = merged('sum', floats, cuts);
      b.val.forEach((v, c) => {
        const want = wholeFloats.val[c] + wholeFloats.comp[c];
        expect(Math.abs(v + b.comp[c] - want)).toBeLessThanOrEqual(Math.abs(want) * 1e-15);
      });
    }
  });

  it("a slice whose partial is NaN takes a later slice's number for max and min, as one fold does", () => {
    const m: StepMatrix = { series: 2, steps: 1, values: Float64Array.of(NaN, 4), present: Uint8Array.of(1, 1) };
    for (const op of ['max', 'min'] as FoldOp[]) {
      const seen = new Uint8Array(1), val = new Float64Array(1), comp = new Float64Array(0);
      for (const from of [0, 1]) mergePartial(op, foldRows(m, from, 1, { op, groups: 1, groupOf: Int32Array.of(0) }), 0, 0, seen, val, comp);
      expect(val[0]).toBe(4);
    }
  });

  it("sum: a slice's compensation carries into the merged sum", () => {
    // 1e16 + 1 + 1 rounds to 1e16 with a compensation of 2; then - 1e16 leaves exactly 2.
    const m: StepMatrix = { series: 4, steps: 1, values: Float64Array.of(1e16, 1, 1, -1e16), present: Uint8Array.of(1, 1, 1, 1) };
    const seen = new Uint8Array(1), val = new Float64Array(1), comp = new Float64Array(1);
    for (const [from, n] of [[0, 3], [3, 1]]) mergePartial('sum', foldRows(m, from, n, { op: 'sum', groups: 1, groupOf: new Int32Array(n) }), 0, 0, seen, val, comp);
    expect(val[0] + comp[0]).toBe(2);
  });

  it('sum: an infinite sum stays infinite, and +Inf with -Inf is NaN', () => {
    const m: StepMatrix = { series: 3, steps: 1, values: Float64Array.of(Infinity, 1, -Infinity), present: Uint8Array.of(1, 1, 1) };
    const spec: FoldSpec = { op: 'sum', groups: 1, groupOf: Int32Array.of(0, 0, 0) };
    const seen = new Uint8Array(1), val = new Float64Array(1), comp = new Float64Array(1);
    for (const [from, n] of [[0, 2], [2, 1]]) mergePartial('sum', foldRows(m, from, n, { ...spec, groupOf: spec.groupOf.subarray(from, from + n) }), 0, 0, seen, val, comp);
    expect(val[0] + comp[0]).toBeNaN();
    const inf = foldRows(m, 0, 2, { ...spec, groupOf: spec.groupOf.subarray(0, 2) });
    expect(inf.val[0] + inf.comp[0]).toBe(Infinity);
    expect(inf.live).toEqual(Uint8Array.of(1, 1));
    expect(inf.held).toBe(2);
  });
});
