/**
 * Folding a slice's rows into its groups where the rows are computed: an aggregation `sum`,
 * `count`, `min`, `max` or `group` over a selection need not hand every series' rows to the
 * query's thread, only each slice's per-group partial result (foldRows, in a query worker or in
 * the query's thread alike), which the aggregation then merges slice after slice, in series
 * order (mergePartial). The cell arithmetic is the aggregation's own (foldSumOrCount,
 * foldExtreme): a slice's partial sum is Kahan–Neumaier compensated as the whole sum is, and
 * merging adds its sum and its compensation.
 */
import type { StepMatrix } from '../../storage/interface.ts';

/** FoldOp: the aggregations whose groups fold from per-slice partial results. */
export type FoldOp = 'sum' | 'count' | 'min' | 'max' | 'group';

export const FOLD_OPS: ReadonlySet<string> = new Set<FoldOp>(['sum', 'count', 'min', 'max', 'group']);

/** FoldSpec: how one slice's series fall into groups: series i into local group groupOf[i] < groups. */
export interface FoldSpec {
  readonly op: FoldOp;
  readonly groupOf: Int32Array;
  readonly groups: number;
}

/**
 * Partial: a slice folded into its local groups, `steps` cells each (cell g·steps + j): `seen`
 * where any series of the group had a value; `val` the sum, count (for count), extreme, or
 * nothing (group); `comp` the sum's compensation (empty for other ops). `live` marks the series
 * of the slice that had any value, `held` counts their values.
 */
export interface Partial {
  readonly steps: number;
  readonly seen: Uint8Array;
  readonly val: Float64Array;
  readonly comp: Float64Array;
  readonly live: Uint8Array;
  readonly held: number;
}

/**
 * foldSumOrCount folds the `steps` cells of one input row (from index `row` of values/present) into the group's
 * cells (from `base`): a Kahan–Neumaier sum into val/comp (as kahanInc), or a count into cnt.
 * Returns how many cells of the row were present.
 */
export function foldSumOrCount(
  sum: boolean, values: Float64Array, present: Uint8Array, row: number, base: number, steps: number,
  seen: Uint8Array, val: Float64Array, comp: Float64Array, cnt: Float64Array,
): number {
  let n = 0;
  if (!sum) {
    // count: no branch per cell (cnt starts at 0; finish reads only cnt).
    for (let j = 0; j < steps; j++) {
      const p = present[row + j];
      seen[base + j] |= p;
      cnt[base + j] += p;
      n += p;
    }
    return n;
  }
  for (let j = 0; j < steps; j++) {
    if (!present[row + j]) continue;
    addCompensated(base + j, values[row + j], 0, seen, val, comp);
    n++;
  }
  return n;
}

/**
 * addCompensated adds f (with its own compensation fc, 0 for a plain value) into cell c of a
 * compensated sum: the first value seen is taken as it is; an infinite sum drops the compensation.
 */
function addCompensated(c: number, f: number, fc: number, seen: Uint8Array, val: Float64Array, comp: Float64Array): void {
  if (!seen[c]) {
    seen[c] = 1;
    val[c] = f;
    comp[c] = fc;
    return;
  }
  const acc = val[c];
  const t = acc + f;
  if (t === Infinity || t === -Infinity) comp[c] = 0;
  else if (Math.abs(acc) >= Math.abs(f)) comp[c] += acc - t + f + fc;
  else comp[c] += f - t + acc + fc;
  val[c] = t;
}

/**
 * foldExtreme folds one row into the group's maxima (max) or minima: a value replaces the cell's
 * when it is beyond it or the cell is NaN, so NaN stays only where every value is NaN. Returns
 * how many cells of the row were present.
 */
export function foldExtreme(max: boolean, values: Float64Array, present: Uint8Array, row: number, base: number, steps: number, seen: Uint8Array, val: Float64Array): number {
  let n = 0;
  for (let j = 0; j < steps; j++) {
    if (!present[row + j]) continue;
    n++;
    const c = base + j, f = values[row + j];
    if (!seen[c]) {
      seen[c] = 1;
      val[c] = f;
    } else if (max ? val[c] < f || Number.isNaN(val[c]) : val[c] > f || Number.isNaN(val[c])) val[c] = f;
  }
  return n;
}

/** foldRows folds `count` rows of `m` from row `row` (one per series of the slice) into a Partial. */
export function foldRows(m: StepMatrix, row: number, count: number, spec: FoldSpec): Partial {
  const s = m.steps, cells = spec.groups * s;
  const seen = new Uint8Array(cells);
  const val = new Float64Array(spec.op === 'group' ? 0 : cells);
  const comp = new Float64Array(spec.op === 'sum' ? cells : 0);
  const live = new Uint8Array(count);
  const { values, present } = m;
  let held = 0;
  for (let i = 0; i < count; i++) {
    const r = (row + i) * s, base = spec.groupOf[i] * s;
    let n = 0;
    switch (spec.op) {
      case 'sum':
      case 'count':
        n = foldSumOrCount(spec.op === 'sum', values, present, r, base, s, seen, val, comp, val);
        break;
      case 'min':
      case 'max':
        n = foldExtreme(spec.op === 'max', values, present, r, base, s, seen, val);
        break;
      case 'group':
        for (let j = 0; j < s; j++) {
          seen[base + j] |= present[r + j];
          n += present[r + j];
        }
        break;
    }
    live[i] = n > 0 ? 1 : 0;
    held += n;
  }
  return { steps: s, seen, val, comp, live, held };
}

/**
 * mergePartial merges local group g of partial p into the group cells from `base` of a fold in
 * progress (its seen, val, comp; for count, val holds the counts), as if the partial's series
 * had been folded there one by one.
 */
export function mergePartial(op: FoldOp, p: Partial, g: number, base: number, seen: Uint8Array, val: Float64Array, comp: Float64Array): void {
  const s = p.steps, from = g * s;
  for (let j = 0; j < s; j++) {
    const pc = from + j;
    if (!p.seen[pc]) continue;
    const c = base + j;
    switch (op) {
      case 'sum':
        addCompensated(c, p.val[pc], p.comp[pc], seen, val, comp);
        break;
      case 'count':
        seen[c] = 1;
        val[c] += p.val[pc];
        break;
      case 'min':
      case 'max': {
        const f = p.val[pc];
        if (!seen[c]) {
          seen[c] = 1;
          val[c] = f;
        } else if (op === 'max' ? val[c] < f || Number.isNaN(val[c]) : val[c] > f || Number.isNaN(val[c])) val[c] = f;
        break;
      }
      case 'group':
        if (!seen[c]) {
          seen[c] = 1;
          val[c] = 1;
        }
        break;
    }
  }
}
