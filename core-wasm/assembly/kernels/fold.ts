// Folding rows into groups for `sum`: each row (one series' values at every step) is added to
// its group's running sums, cell by cell, in row order, with the compensation Prometheus' sum
// keeps (kahanInc). The order of the additions decides the result's bits, so rows are folded one
// after the other as the query hands them in; the running sums stay here between calls.
import { kahanC, kahanInc } from './columns';

/** Eight flags (u8) of 1 read as one u64. */
@inline const ONES: u64 = 0x0101010101010101;

/**
 * sumRows folds `rows` rows of `steps` cells (f64 values at `values`, u8 flags at `present`, row
 * r from cell r·steps) into the cells of their groups: group groupOf[r] (i32; a row with −1 is
 * skipped) owns cells g·steps … of `sums` and `comps` (f64) and `seen` (u8). A cell's first value
 * is taken as it is; later ones are added with compensation. Returns how many present cells were
 * folded. Eight cells whose values are all present and whose sums have all started (most of
 * them) are added without a test per cell, two at a time in the lanes of f64x2.
 */
export function sumRows(values: usize, present: usize, rows: u32, steps: u32, groupOf: usize, sums: usize, comps: usize, seen: usize): u32 {
  let n: u32 = 0;
  const huge = f64x2.splat(f64.MAX_VALUE);
  for (let r: u32 = 0; r < rows; r++) {
    const g = load<i32>(groupOf + (<usize>r << 2));
    if (g < 0) continue;
    const row = <usize>r * <usize>steps;
    const base = <usize>g * <usize>steps;
    let j: usize = 0;
    for (; j + 8 <= <usize>steps; j += 8) {
      if (load<u64>(present + row + j) != ONES || load<u64>(seen + base + j) != ONES) {
        for (let k = j; k < j + 8; k++) n += foldCell(values, present, row, base, k, sums, comps, seen);
        continue;
      }
      const xs = values + ((row + j) << 3), ss = sums + ((base + j) << 3), cs = comps + ((base + j) << 3);
      for (let o: usize = 0; o < 64; o += 16) {
        // kahanInc lane by lane: the same operations on the same operands.
        const x = v128.load(xs + o), sum = v128.load(ss + o), comp = v128.load(cs + o);
        const t = f64x2.add(sum, x);
        const bySum = f64x2.add(f64x2.sub(sum, t), x);
        const byInc = f64x2.add(f64x2.sub(x, t), sum);
        const d = v128.bitselect(bySum, byInc, f64x2.ge(f64x2.abs(sum), f64x2.abs(x)));
        // An infinite sum zeroes the compensation.
        v128.store(cs + o, v128.andnot(f64x2.add(comp, d), f64x2.gt(f64x2.abs(t), huge)));
        v128.store(ss + o, t);
      }
      n += 8;
    }
    for (; j < <usize>steps; j++) n += foldCell(values, present, row, base, j, sums, comps, seen);
  }
  return n;
}

/** foldCell folds cell j of the row at `row` into cell j of the group at `base`; returns 1 if it was present. */
@inline function foldCell(values: usize, present: usize, row: usize, base: usize, j: usize, sums: usize, comps: usize, seen: usize): u32 {
  if (load<u8>(present + row + j) == 0) return 0;
  const c = base + j;
  const f = load<f64>(values + ((row + j) << 3));
  if (load<u8>(seen + c) == 0) {
    store<u8>(seen + c, 1);
    store<f64>(sums + (c << 3), f);
    return 1;
  }
  store<f64>(sums + (c << 3), kahanInc(f, load<f64>(sums + (c << 3)), load<f64>(comps + (c << 3))));
  store<f64>(comps + (c << 3), kahanC);
  return 1;
}
