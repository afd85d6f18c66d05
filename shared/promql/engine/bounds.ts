/**
 * timeBounds: the time range a query reads from storage (every selector's windows, shifted by
 * offsets and `@`, widened by ranges and the lookback delta, through nested subqueries), so that
 * one querier covering it can be opened for the whole evaluation.
 */
import type { DurationNode, Expr } from '../ast.ts';
import { children } from '../ast.ts';
import { durationValue } from './evaluator.ts';
import { atTime, type QueryTimes } from './selectors.ts';

/**
 * durationMs: a duration in ms as evaluation uses it (resolveDurations in evaluator.ts: seconds
 * truncated to whole ms), or 0 for one that is not finite or divides by zero (such as
 * `1h / step()` in an instant query): evaluation refuses those with a DurationError, so the
 * bounds need not cover them.
 */
function durationMs(q: QueryTimes, fixed: number, expr: DurationNode | null): number {
  if (!expr) return fixed;
  let v = 0;
  try {
    v = Math.trunc(durationValue(expr, q, () => {
      throw new RangeError('division by zero');
    }) * 1000);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
  }
  return Number.isFinite(v) ? v : 0;
}

/** timeBounds returns [mint, maxt] for evaluating `e` at times in [start, end]. */
export function timeBounds(e: Expr, q: QueryTimes, start: number, end: number, lookbackMs: number): [number, number] {
  let lo = Infinity, hi = -Infinity;
  const rec = (n: Expr, s: number, t: number): void => {
    switch (n.kind) {
      case 'VectorSelector': {
        const off = durationMs(q, n.offset, n.offsetExpr);
        const at = atTime(q, n.at);
        const a = at ?? s, b = at ?? t;
        lo = Math.min(lo, a - off - lookbackMs);
        hi = Math.max(hi, b - off);
        return;
      }
      case 'MatrixSelector': {
        const vs = n.vector;
        const off = durationMs(q, vs.offset, vs.offsetExpr);
        const at = atTime(q, vs.at);
        const a = at ?? s, b = at ?? t;
        lo = Math.min(lo, a - off - durationMs(q, n.range, n.rangeExpr));
        hi = Math.max(hi, b - off);
        return;
      }
      case 'SubqueryExpr': {
        const off = durationMs(q, n.offset, n.offsetExpr);
        const at = atTime(q, n.at);
        const a = at ?? s, b = at ?? t;
        rec(n.expr, a - off - durationMs(q, n.range, n.rangeExpr), b - off);
        return;
      }
      default:
        for (const c of children(n)) rec(c, s, t);
    }
  };
  rec(e, start, end);
  return lo === Infinity ? [start, end] : [lo, hi];
}
