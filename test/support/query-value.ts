/** plainValue: a PromQL result as plain arrays (labels as text, then times and values), for deep comparison. */
import type { QueryValue } from '../../shared/promql/engine/index.ts';

export function plainValue(v: QueryValue): unknown {
  switch (v.resultType) {
    case 'vector':
      return v.samples.map((s) => [s.metric.toString(), s.t, s.f]);
    case 'matrix':
      return v.series.map((s) => [s.metric.toString(), s.floats.map((p) => [p.t, p.f])]);
    default:
      return v;
  }
}
