/**
 * Folding a slice's rows into its groups where the rows are computed: an aggregation `count`,
 * `min`, `max` or `group` over a selection need not hand every series' rows to the query's
 * thread, only each slice's per-group partial result (foldRows, in a query worker or in the
 * query's thread alike), which the aggregation then merges slice after slice, in series order
 * (mergePartial). These four are exact whatever the grouping of the values: merging partials
 * gives, bit for bit, what folding series one by one gives. `sum` and `avg` are not folded this
 * way: a floating-point sum depends on the order of its additions (two partial sums of 1e308
 * and -1e308 give 0 where Prometheus' running sum reached +Inf first), so their rows are folded
 * one series after the other in the query's thread (`sum` by Querier.sumRows).
 */
import type { MatrixSlot, StepMatrix } from '../../storage/interface.ts';

/** FoldOp: the aggregations whose groups fold from per-slice partial results. */
export type FoldOp = 'count' | 'min' | 'max' | 'group';

export const FOLD_OPS: ReadonlySet<string> = new Set<FoldOp>(['count', 'min', 'max', 'group']);

/** readsPresenceOnly: whether aggregation `op` reads only which cells hold a value (count, group), not the values. */
export function readsPresenceOnly(op: string): boolean {
  return op === 'count' || op === 'group';
}

/** foldSlot: where a slice folded by `spec` is computed: `into`, told when its values go unread. */
export function foldSlot(into: MatrixSlot, spec: FoldSpec): MatrixSlot {
  return readsPresenceOnly(spec.op) ? { ...into, presentOnly: true } : into;
}

/** FoldSpec: how one slice's series fall into groups: series i into local group groupOf[i] < groups. */
export interface FoldSpec {
  readonly op: FoldOp;
  readonly groupOf: Int32Array;
  readonly groups: number;
}

/**
 * Partial: a slice folded into its local groups, `steps` cells each (cell g·steps + j): `seen`
 * where any series of the group had a value; `val` the count (count), the extreme (min, max),
 * or nothing (group: empty). `live` marks the series of the slice that had any value, `held`
 * counts their values.
 */
export interface Partial {
  readonly steps: number;
  readonly seen: Uint8Array;
  readonly val: Float64Array;
  readonly live: Uint8Array;
  readonly held: number;
}

/**
 * foldCount counts the present cells of one input row (`steps` cells from index `row` of
 * `present`) into the group's cells (from `base`): seen where any, cnt their number. Returns how
 * many cells of the row were present.
 */
export function foldCount(present: Uint8Array, row: number, base: number, steps: number, seen: Uint8Array, cnt: Float64Array): number {
  let n = 0;
  for (let j = 0; j < steps; j++) {
    const p = present[row + j];
    seen[base + j] |= p;
    cnt[base + j] += p;
    n += p;
  }
  return n;
}

/**
 * takeExtreme puts f into cell c of a running maximum (max) or minimum: the first value seen, then
 * any value beyond the cell's or in place of a NaN, so NaN stays only where every value is NaN.
 */
function takeExtreme(max: boolean, c: number, f: number, seen: Uint8Array, val: Float64Array): void {
  if (!seen[c]) {
    seen[c] = 1;
    val[c] = f;
  } else if (max ? val[c] < f || Number.isNaN(val[c]) : val[c] > f || Number.isNaN(val[c])) val[c] = f;
}

/** foldExtreme folds one row into the group's maxima (max) or minima; returns how many cells of the row were present. */
export function foldExtreme(max: boolean, values: Float64Array, present: Uint8Array, row: number, base: number, steps: number, seen: Uint8Array, val: Float64Array): number {
  let n = 0;
  for (let j = 0; j < steps; j++) {
    if (!present[row + j]) continue;
    n++;
    takeExtreme(max, base + j, values[row + j], seen, val);
  }
  return n;
}

/** foldRows folds `count` rows of `m` from row `row` (one per series of the slice) into a Partial. */
export function foldRows(m: StepMatrix, row: number, count: number, spec: FoldSpec): Partial {
  const s = m.steps, cells = spec.groups * s;
  const seen = new Uint8Array(cells);
  const val = new Float64Array(spec.op === 'group' ? 0 : cells);
  const live = new Uint8Array(count);
  const { values, present } = m;
  let held = 0;
  for (let i = 0; i < count; i++) {
    const r = (row + i) * s, base = spec.groupOf[i] * s;
    let n = 0;
    switch (spec.op) {
      case 'count':
        n = foldCount(present, r, base, s, seen, val);
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
  return { steps: s, seen, val, live, held };
}

/**
 * mergePartial merges local group g of partial p into the group cells from `base` of a fold in
 * progress (its seen and val; for count, val holds the counts), exactly as if the partial's
 * series had been folded there one by one.
 */
export function mergePartial(op: FoldOp, p: Partial, g: number, base: number, seen: Uint8Array, val: Float64Array): void {
  const s = p.steps, from = g * s;
  for (let j = 0; j < s; j++) {
    const pc = from + j;
    if (!p.seen[pc]) continue;
    const c = base + j;
    switch (op) {
      case 'count':
        seen[c] = 1;
        val[c] += p.val[pc];
        break;
      case 'min':
      case 'max':
        takeExtreme(op === 'max', c, p.val[pc], seen, val);
        break;
      case 'group':
        if (!seen[c]) {
          seen[c] = 1;
          val[c] = 1;
        }
        break;
    }
  }
}
