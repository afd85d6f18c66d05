/**
 * Folding `sum` rows in the core (assembly/kernels/fold.ts). The running sums stay with the
 * caller, in JavaScript: a call copies in the cells of the groups the rows fall into, folds, and
 * copies those cells back, so the core's memory grows with one slice of rows, never with the
 * aggregation's whole result (WebAssembly memory does not shrink again). Rows come from the
 * caller (sumRows copies them in) or are a kernel's output still in the core (sumRowsIn).
 */
import type { RawCore } from './exports.ts';
import type { ArgBlock, MemoryViews } from './memory.ts';
import { CoreInputError } from './errors.ts';

/** SumRows: rows of `steps` cells each, row i from cell i·steps (values, and 1 where present). */
export interface SumRows {
  readonly values: Float64Array;
  readonly present: Uint8Array;
}

/** SumCells: the running sums of every group, `steps` cells each (group g from cell g·steps). */
export interface SumCells {
  readonly sums: Float64Array;
  readonly comps: Float64Array;
  readonly seen: Uint8Array;
}

/** Cells one call may hand in: rows and groups together (8 + 1 and 8 + 8 + 1 bytes a cell). */
const MAX_CELLS = 1 << 26;

/**
 * sumRows copies rows [row, row + count) of `rows` into the core (`rowBlock`) and folds them as
 * sumRowsIn does: see Core.sumRows.
 */
export function sumRows(raw: RawCore, views: MemoryViews, rowBlock: ArgBlock, groupBlock: ArgBlock, rows: SumRows, row: number, count: number, steps: number, groupOf: Int32Array, cells: SumCells): number {
  if (!Number.isInteger(steps) || steps < 1) throw new CoreInputError(`sumRows: steps must be an integer ≥ 1, got ${steps}`, 'steps', -1);
  if (!Number.isInteger(row) || !Number.isInteger(count) || row < 0 || count < 0 || (row + count) * steps > rows.values.length || (row + count) * steps > rows.present.length) {
    throw new CoreInputError(`sumRows: rows ${row} … ${row + count} of ${steps} cells do not fit the ${rows.values.length} values`, 'rows', -1);
  }
  const rowCells = count * steps;
  if (rowCells > MAX_CELLS) throw new CoreInputError(`sumRows: ${count} rows of ${steps} cells are too many for one call; split it`, 'rows', -1);
  const base = rowBlock.ptr(rowCells * 9);
  const v = views.refresh();
  const from = row * steps;
  v.f64.set(rows.values.subarray(from, from + rowCells), base >>> 3);
  v.u8.set(rows.present.subarray(from, from + rowCells), base + rowCells * 8);
  return sumRowsIn(raw, views, groupBlock, base, base + rowCells * 8, count, steps, groupOf, cells);
}

/**
 * sumRowsIn folds `count` rows of `steps` cells already in the core (f64 values at valuesAt, u8
 * flags at presentAt) into group groupOf[i] of `cells` (−1: skipped), in row order, passing the
 * touched groups' cells through `groupBlock`. Returns how many present cells it folded.
 */
export function sumRowsIn(raw: RawCore, views: MemoryViews, groupBlock: ArgBlock, valuesAt: number, presentAt: number, count: number, steps: number, groupOf: Int32Array, cells: SumCells): number {
  if (groupOf.length < count) throw new CoreInputError(`sumRows: ${groupOf.length} groups for ${count} rows`, 'groupOf', -1);
  const groups = Math.min(cells.sums.length, cells.comps.length, cells.seen.length) / steps;
  // The groups the rows fall into, numbered here in order of first appearance.
  const local = new Int32Array(count);
  const globalOf: number[] = [];
  const localOf = new Map<number, number>();
  for (let i = 0; i < count; i++) {
    const g = groupOf[i];
    if (g === -1) {
      local[i] = -1;
      continue;
    }
    if (!Number.isInteger(g) || g < 0 || g >= groups) throw new CoreInputError(`sumRows: row ${i} falls in group ${g}, the cells hold ${Math.floor(groups)}`, 'groupOf', i);
    let l = localOf.get(g);
    if (l === undefined) {
      localOf.set(g, (l = globalOf.length));
      globalOf.push(g);
    }
    local[i] = l;
  }
  const k = globalOf.length;
  if (k === 0) return 0;
  const groupCells = k * steps;
  if (groupCells > MAX_CELLS) throw new CoreInputError(`sumRows: ${k} groups of ${steps} cells are too many for one call; split it`, 'groupOf', -1);
  // Layout: sums, comps (f64), groupOf (i32), seen (u8).
  const compsAt = groupCells * 8, groupAt = compsAt + groupCells * 8, seenAt = groupAt + count * 4;
  const base = groupBlock.ptr(seenAt + groupCells);
  const v = views.refresh();
  v.i32.set(local, (base + groupAt) >>> 2);
  for (let l = 0; l < k; l++) {
    const at = globalOf[l] * steps, to = l * steps;
    v.f64.set(cells.sums.subarray(at, at + steps), (base >>> 3) + to);
    v.f64.set(cells.comps.subarray(at, at + steps), ((base + compsAt) >>> 3) + to);
    v.u8.set(cells.seen.subarray(at, at + steps), base + seenAt + to);
  }
  const n = raw.sumRows(valuesAt, presentAt, count, steps, base + groupAt, base, base + compsAt, base + seenAt) >>> 0;
  for (let l = 0; l < k; l++) {
    const at = globalOf[l] * steps, to = l * steps;
    cells.sums.set(v.f64.subarray((base >>> 3) + to, (base >>> 3) + to + steps), at);
    cells.comps.set(v.f64.subarray(((base + compsAt) >>> 3) + to, ((base + compsAt) >>> 3) + to + steps), at);
    cells.seen.set(v.u8.subarray(base + seenAt + to, base + seenAt + to + steps), at);
  }
  return n;
}
