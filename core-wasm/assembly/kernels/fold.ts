// Folding rows into groups for `sum`: each row (one series' values at every step) is added to
// its group's running sums, cell by cell, in row order, with the compensation Prometheus' sum
// keeps (kahanInc). The order of the additions decides the result's bits, so rows are folded one
// after the other as the query hands them in; the running sums stay here between calls.
import { kahanC, kahanInc } from './columns';

/**
 * sumRows folds `rows` rows of `steps` cells (f64 values at `values`, u8 flags at `present`, row
 * r from cell r·steps) into the cells of their groups: group groupOf[r] (i32; a row with −1 is
 * skipped) owns cells g·steps … of `sums` and `comps` (f64) and `seen` (u8). A cell's first value
 * is taken as it is; later ones are added with compensation. Returns how many present cells were
 * folded.
 */
export function sumRows(values: usize, present: usize, rows: u32, steps: u32, groupOf: usize, sums: usize, comps: usize, seen: usize): u32 {
  let n: u32 = 0;
  for (let r: u32 = 0; r < rows; r++) {
    const g = load<i32>(groupOf + (<usize>r << 2));
    if (g < 0) continue;
    const row = <usize>r * <usize>steps;
    const base = <usize>g * <usize>steps;
    for (let j: usize = 0; j < <usize>steps; j++) {
      if (load<u8>(present + row + j) == 0) continue;
      n++;
      const c = base + j;
      const f = load<f64>(values + ((row + j) << 3));
      if (load<u8>(seen + c) == 0) {
        store<u8>(seen + c, 1);
        store<f64>(sums + (c << 3), f);
        continue;
      }
      store<f64>(sums + (c << 3), kahanInc(f, load<f64>(sums + (c << 3)), load<f64>(comps + (c << 3))));
      store<f64>(comps + (c << 3), kahanC);
    }
  }
  return n;
}
