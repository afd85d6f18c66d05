/** The PromQL conformance runner's own behaviour, where it must match Prometheus' harness. */
import { describe, expect, it } from 'vitest';
import { withAt } from './promql.ts';

describe('withAt (the `@ <eval time>` re-run of instant cases)', () => {
  const cases: [string, string | null][] = [
    ['foo', 'foo @ 10.000'],
    ['rate(foo[5m]) + bar offset 1m', 'rate(foo[5m] @ 10.000) + bar @ 10.000 offset 1m'],
    ['foo @ 5', 'foo @ 5.000'],
    // A subquery gets the `@`; the selectors inside it are left alone (Prometheus' hasAtModifier).
    ['sum_over_time(foo[30s:10s])', 'sum_over_time(foo[30s:10s] @ 10.000)'],
    ['sum_over_time(foo[29s+1s:5s+5s] offset 1m)', 'sum_over_time(foo[29s + 1s:5s + 5s] @ 10.000 offset 1m)'],
    ['max_over_time(rate(foo[1m])[5m:1m] @ 100)', 'max_over_time(rate(foo[1m])[5m:1m] @ 100.000)'],
    ['time()', null],
    ['foo - timestamp(foo)', null],
  ];
  for (const [q, want] of cases) it(q, () => expect(withAt(q, 10_000)).toBe(want));
});
