// Folding slices into partial groups and merging the partials in order must give exactly what
// folding every row at once gives, for count, min, max and group (NaN and infinities included);
// sum is not folded in slices, so a query's sum is Prometheus' running sum whatever its slices.
import { describe, expect, it } from 'vitest';
import { foldRows, mergePartial, type FoldOp, type FoldSpec } from '../../../shared/promql/parallel/fold.ts';
import type { StepMatrix } from '../../../shared/storage/interface.ts';
import { Labels } from '../../../shared/model/labels.ts';
import { Engine } from '../../../shared/promql/engine/index.ts';
import { openMemStorage } from '../../../shared/storage/mem/index.ts';

const SERIES = 40, STEPS = 7, GROUPS = 3;

/** rows: SERIES rows of STEPS cells of floats of mixed magnitudes, some absent, NaN and ±Inf among them. */
function rows(seed: number): StepMatrix {
  let x = seed;
  const rnd = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
  const values = new Float64Array(SERIES * STEPS), present = new Uint8Array(SERIES * STEPS);
  for (let c = 0; c < values.length; c++) {
    present[c] = rnd() < 0.8 ? 1 : 0;
    const r = rnd();
    values[c] = (r - 0.3) * 10 ** Math.floor(rnd() * 12);
    if (r < 0.03) values[c] = [NaN, Infinity, -Infinity][c % 3];
  }
  // A series with no value at all, and one group with none either.
  present.fill(0, 5 * STEPS, 6 * STEPS);
  return { series: SERIES, steps: STEPS, values, present };
}

const groupOf = Int32Array.from({ length: SERIES }, (_, i) => (i === 5 ? 2 : i % 2));

/** merged folds `m` in slices cut at `cuts` and merges the partials as GroupFold.merge does. */
function merged(op: FoldOp, m: StepMatrix, cuts: number[]): { seen: Uint8Array; val: Float64Array } {
  const seen = new Uint8Array(GROUPS * STEPS), val = new Float64Array(GROUPS * STEPS);
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
    globals.forEach((g, l) => mergePartial(op, p, l, g * STEPS, seen, val));
  }
  return { seen, val };
}

describe('partial folds', () => {
  for (const op of ['count', 'min', 'max', 'group'] as FoldOp[]) {
    it(`${op}: slices merged in order equal one fold, NaN and infinities included`, () => {
      const m = rows(7);
      const whole = merged(op, m, []);
      for (const cuts of [[1], [5, 6], [3, 10, 11, 30], Array.from({ length: SERIES - 1 }, (_, i) => i + 1)]) {
        const parts = merged(op, m, cuts);
        expect(parts.seen).toEqual(whole.seen);
        if (op !== 'group') expect(parts.val).toEqual(whole.val);
      }
      expect(whole.seen.subarray(2 * STEPS)).toEqual(new Uint8Array(STEPS)); // the group of the empty series
    });
  }

  it("a slice whose partial is NaN takes a later slice's number for max and min, as one fold does", () => {
    const m: StepMatrix = { series: 2, steps: 1, values: Float64Array.of(NaN, 4), present: Uint8Array.of(1, 1) };
    for (const op of ['max', 'min'] as FoldOp[]) {
      const seen = new Uint8Array(1), val = new Float64Array(1);
      for (const from of [0, 1]) mergePartial(op, foldRows(m, from, 1, { op, groups: 1, groupOf: Int32Array.of(0) }), 0, 0, seen, val);
      expect(val[0]).toBe(4);
    }
  });

  it('sum over many slices is the running sum Prometheus computes: 1e308 + 1e308 overflows before -1e308 comes', async () => {
    const storage = openMemStorage();
    const app = storage.appender();
    for (let i = 0; i < 20; i++) app.append(0, Labels.from({ __name__: 'x', i: String(i).padStart(2, '0') }), 1_000, i === 0 || i === 16 ? 1e308 : i === 17 ? -1e308 : 0);
    app.commit();
    for (const sliceSamples of [1, 3, 1_000_000]) {
      const r = await new Engine({ sliceSamples }).instantQuery(storage, 'sum(x)', 1_000);
      expect(r.value.resultType === 'vector' && r.value.samples[0].f).toBe(Infinity);
    }
  });
});
