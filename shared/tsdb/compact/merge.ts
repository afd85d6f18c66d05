/**
 * Merging the samples of one series held by several blocks: a k-way merge of time-ordered
 * columns into one, where for equal timestamps the sample of the earliest part (in the order
 * given) is kept with its exact bits, and the others are dropped.
 */

/** Part: one block's samples of a series, timestamps strictly increasing. */
export interface Part {
  ts: Float64Array;
  vs: Float64Array;
}

/**
 * mergeParts returns the merged samples of `parts` (priority order). A single part is returned
 * as it is (not copied); otherwise fresh arrays.
 */
export function mergeParts(parts: readonly Part[]): Part {
  const live = parts.filter((p) => p.ts.length > 0);
  if (live.length === 0) return { ts: new Float64Array(0), vs: new Float64Array(0) };
  if (live.length === 1) return live[0];
  let total = 0;
  for (const p of live) total += p.ts.length;
  const ts = new Float64Array(total), vs = new Float64Array(total);
  const pos = new Int32Array(live.length);
  let n = 0;
  for (;;) {
    // The smallest head timestamp; the first part holding it wins.
    let best = -1, bt = Infinity;
    for (let k = 0; k < live.length; k++) {
      if (pos[k] < live[k].ts.length && live[k].ts[pos[k]] < bt) {
        bt = live[k].ts[pos[k]];
        best = k;
      }
    }
    if (best < 0) break;
    ts[n] = bt;
    vs[n] = live[best].vs[pos[best]];
    n++;
    for (let k = 0; k < live.length; k++) if (pos[k] < live[k].ts.length && live[k].ts[pos[k]] === bt) pos[k]++;
  }
  return n === total ? { ts, vs } : { ts: ts.slice(0, n), vs: vs.slice(0, n) };
}
