/**
 * timeBounds: the time range a query reads from storage (every selector's windows, shifted by
 * offsets and `@`, widened by ranges and the lookback delta, through nested subqueries), so that
 * one querier covering it can be opened for the whole evaluation. Duration expressions must be
 * resolved first (resolveDurations).
 */
import type { Expr } from '../ast.ts';
import { children } from '../ast.ts';
import { atTime, type QueryTimes } from './selectors.ts';

/** timeBounds returns [mint, maxt] for evaluating `e` at times in [start, end]. */
export function timeBounds(e: Expr, q: QueryTimes, start: number, end: number, lookbackMs: number): [number, number] {
  let lo = Infinity, hi = -Infinity;
  const rec = (n: Expr, s: number, t: number): void => {
    switch (n.kind) {
      case 'VectorSelector': {
        const off = n.offset;
        const at = atTime(q, n.at);
        const a = at ?? s, b = at ?? t;
        lo = Math.min(lo, a - off - lookbackMs);
        hi = Math.max(hi, b - off);
        return;
      }
      case 'MatrixSelector': {
        const vs = n.vector;
        const off = vs.offset;
        const at = atTime(q, vs.at);
        const a = at ?? s, b = at ?? t;
        lo = Math.min(lo, a - off - n.range);
        hi = Math.max(hi, b - off);
        return;
      }
      case 'SubqueryExpr': {
        const off = n.offset;
        const at = atTime(q, n.at);
        const a = at ?? s, b = at ?? t;
        rec(n.expr, a - off - n.range, b - off);
        return;
      }
      default:
        for (const c of children(n)) rec(c, s, t);
    }
  };
  rec(e, start, end);
  return lo === Infinity ? [start, end] : [lo, hi];
}
