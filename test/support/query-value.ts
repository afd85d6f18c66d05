/**
 * Helpers over PromQL results for tests: plainValue (a result as plain arrays, for deep
 * comparison), points (a series' columns as one `{ t, f }` per point) and seriesOf (the reverse).
 */
import type { Labels } from '../../shared/model/labels.ts';
import type { QueryValue, Series } from '../../shared/promql/engine/index.ts';

/** Point: one point of a series, at Unix ms `t`. */
export interface Point {
  t: number;
  f: number;
}

/** points: the points of `s`, in time order. */
export function points(s: Series): Point[] {
  return Array.from(s.ts, (t, k) => ({ t, f: s.vs[k] }));
}

/** seriesOf: a series of `metric` holding `pts` (in the order given). */
export function seriesOf(metric: Labels, pts: readonly Point[]): Series {
  return { metric, ts: Float64Array.from(pts, (p) => p.t), vs: Float64Array.from(pts, (p) => p.f) };
}

/** plainValue: a PromQL result as plain arrays (labels as text, then times and values), for deep comparison. */
export function plainValue(v: QueryValue): unknown {
  switch (v.resultType) {
    case 'vector':
      return v.samples.map((s) => [s.metric.toString(), s.t, s.f]);
    case 'matrix':
      return v.series.map((s) => [s.metric.toString(), points(s).map((p) => [p.t, p.f])]);
    default:
      return v;
  }
}
