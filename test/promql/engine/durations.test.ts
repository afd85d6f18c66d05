/**
 * Duration expressions in the engine: values worked out per query as Prometheus' durationVisitor
 * does (step() is the range query's step and 0 in an instant query, range() is end - start,
 * seconds truncated to whole ms) and the DurationError for values that cannot be used.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Expr } from '../../../shared/promql/ast.ts';
import { Labels } from '../../../shared/model/labels.ts';
import { Engine, type QueryValue } from '../../../shared/promql/engine/index.ts';
import { resolveDurations } from '../../../shared/promql/engine/durations.ts';
import { formatExpr } from '../../../shared/promql/format.ts';
import { DurationError, ParseError, parseExpr } from '../../../shared/promql/parser/index.ts';
import { openMemStorage } from '../../../shared/storage/mem/index.ts';
import type { Storage } from '../../../shared/storage/interface.ts';

let st: Storage;
beforeAll(async () => {
  st = await openMemStorage();
  const a = st.appender();
  // m: one sample a second, value = the second (0 … 200).
  for (let s = 0; s <= 200; s++) a.append(0, Labels.from({ __name__: 'm' }), s * 1000, s);
  a.commit();
});
afterAll(() => st.close());

const engine = new Engine();

function plain(v: QueryValue): string[] {
  switch (v.resultType) {
    case 'vector':
      return v.samples.map((s) => `${s.metric} ${s.f}`);
    case 'matrix':
      return v.series.map((s) => `${s.metric} ${Array.from(s.vs).join(' ')}`);
    default:
      return [JSON.stringify(v)];
  }
}

const instant = async (q: string, tSec: number) => plain((await engine.instantQuery(st, q, tSec * 1000)).value);
const range = async (q: string, from: number, to: number, step: number) => plain((await engine.rangeQuery(st, q, from * 1000, to * 1000, step * 1000)).value);

/** resolved: the query with its durations resolved for a query [start, end] with step (seconds). */
function resolved(q: string, start: number, end: number, step: number): string {
  return formatExpr(resolveDurations(parseExpr(q), { start: start * 1000, end: end * 1000, step: step * 1000, query: q }));
}

describe('resolveDurations', () => {
  const cases: [string, [number, number, number], string][] = [
    ['m[5m * 2]', [0, 0, 0], 'm[10m]'],
    ['m[(5+2) * 1m]', [0, 0, 0], 'm[7m]'],
    ['m offset (1h / 2)', [0, 0, 0], 'm offset 30m'],
    ['m offset ((2 ^ 3) * 1m)', [0, 0, 0], 'm offset 8m'],
    ['m[4h % 3h]', [0, 0, 0], 'm[1h]'],
    ['m[step() + 1]', [0, 100, 10], 'm[11s]'],
    ['m[max_of(step(), 5s)]', [0, 0, 0], 'm[5s]'],
    ['m[min_of(2 * step() + 5s, 5m)]', [0, 3600, 300], 'm[5m]'],
    ['m[range()] @ end()', [100, 400, 10], 'm[5m] @ end()'],
    ['m offset -step()', [0, 100, 10], 'm offset -10s'],
    ['m offset step()', [0, 0, 0], 'm'],
    ['m[1h:step()] offset (range() / 2)', [0, 120, 30], 'm[1h:30s] offset 1m'],
    // Seconds become whole milliseconds by truncation, as Go's time.Duration(seconds * 1000).
    ['m[1s + 0.0019]', [0, 0, 0], 'm[1s1ms]'],
    ['m offset -(0.0019)', [0, 0, 0], 'm offset -1ms'],
    // Only the duration expressions change; everything else is kept as written.
    ['sum by (x) (rate(m[1m + 1m])) / on () max_over_time(m[1m:step()] @ 5)', [0, 60, 15], 'sum by (x) (rate(m[2m])) / on () max_over_time(m[1m:15s] @ 5.000)'],
  ];
  for (const [q, [s, e, step], want] of cases) it(`${q} for [${s}s, ${e}s] step ${step}s`, () => expect(resolved(q, s, e, step)).toBe(want));

  it('leaves the given tree alone and shares the nodes it does not change', () => {
    const e = parseExpr('rate(m[5m + step()]) + m');
    const r = resolveDurations(e, { start: 0, end: 60_000, step: 15_000, query: '' });
    expect(formatExpr(r)).toBe('rate(m[5m15s]) + m');
    expect(formatExpr(e)).toBe('rate(m[5m + step()]) + m');
    expect(r.kind === 'BinaryExpr' && e.kind === 'BinaryExpr' && r.rhs === e.rhs).toBe(true);
    const plainTree: Expr = parseExpr('rate(m[5m])');
    expect(resolveDurations(plainTree, { start: 0, end: 0, step: 0, query: '' })).toBe(plainTree);
  });

  const errors: [string, [number, number, number], string, number][] = [
    ['m[step()]', [10, 10, 0], 'duration must be greater than 0: "step()" evaluates to 0s (step() is 0s in an instant query)', 2],
    ['m[1h:step()]', [10, 10, 0], 'duration must be greater than 0: "step()" evaluates to 0s (step() is 0s in an instant query)', 5],
    ['m[range()]', [0, 0, 60], 'duration must be greater than 0: "range()" evaluates to 0s (range() is 0s: the query starts where it ends)', 2],
    ['m[5m - step()]', [0, 600, 300], 'duration must be greater than 0: "5m - step()" evaluates to 0s', 2],
    ['m[-2 ^ 2]', [0, 0, 0], 'duration must be greater than 0: "-2 ^ 2" evaluates to -4s', 2],
    ['m offset (1h / step())', [10, 10, 0], 'division by zero in "(1h / step())" (step() is 0s in an instant query)', 10],
    ['m[1h % (step() - 10s)]', [0, 60, 10], 'modulo by zero in "1h % (step() - 10s)"', 2],
    ['m[(-1) ^ 0.5]', [0, 0, 0], 'duration is NaN or infinite: "(-1) ^ 0.5" evaluates to NaN', 2],
    ['m[2 ^ 1e9]', [0, 0, 0], 'duration is NaN or infinite: "2 ^ 1000000000" evaluates to +Inf', 2],
    ['m[1e9 * 10]', [0, 0, 0], 'duration is out of range: "1000000000 * 10" evaluates to 10000000000s', 2],
    // Prometheus' order: a subquery's offset, then its step, then its range; parents first.
    ['m[step() + 1m:step()] offset (1 / step())', [5, 5, 0], 'division by zero in "(1 / step())" (step() is 0s in an instant query)', 30],
    ['m[step() + 1m:step()]', [5, 5, 0], 'duration must be greater than 0: "step()" evaluates to 0s (step() is 0s in an instant query)', 14],
    ['rate(m[step()]) + max_over_time(m[1m:step()])', [5, 5, 0], 'duration must be greater than 0: "step()" evaluates to 0s (step() is 0s in an instant query)', 7],
  ];
  for (const [q, [s, e, step], msg, start] of errors) {
    it(`${q} for [${s}s, ${e}s] step ${step}s fails`, () => {
      let err: unknown;
      try {
        resolved(q, s, e, step);
      } catch (x) {
        err = x;
      }
      expect(err).toBeInstanceOf(DurationError);
      expect(err).toBeInstanceOf(ParseError);
      const de = err as DurationError;
      expect(de.detail).toBe(msg);
      expect(de.pos.start).toBe(start);
      expect(de.message).toBe(`1:${start + 1}: ${msg}`);
    });
  }
});

describe('duration expressions in queries', () => {
  it('step() is the range query step', async () => {
    expect(await range('count_over_time(m[step()])', 50, 60, 10)).toEqual(['{} 10 10']);
    expect(await range('count_over_time(m[step() + 1ms])', 50, 60, 5)).toEqual(['{} 6 6 6']);
    expect(await range('m offset -step() * 2', 50, 60, 5)).toEqual(['{} 110 120 130']);
    expect(await range('m offset (-step() * 2)', 50, 60, 5)).toEqual(['m 60 65 70']);
  });

  it('range() is the range query range, and usable with @ end()', async () => {
    expect(await range('count_over_time(m[range()])', 50, 60, 5)).toEqual(['{} 10 10 10']);
    expect(await range('max_over_time(m[range()] @ end())', 100, 150, 25)).toEqual(['{} 150 150 150']);
    expect(await instant('m offset range()', 50)).toEqual(['m 50']);
  });

  it('subquery ranges, steps and offsets may be expressions', async () => {
    expect(await instant('sum_over_time(m[29s+1s:5s+5s])', 100)).toEqual(['{} 270']);
    expect(await instant('sum_over_time(m[29s+1s:5s+5s] offset (2 * 5s))', 100)).toEqual(['{} 240']);
    expect(await range('count_over_time(m[1m:step()])', 100, 120, 20)).toEqual(['{} 3 3']);
  });

  it('truncates an expression to whole ms (time.Duration), unlike a literal (rounded to ns)', async () => {
    // 1.0007s * 1 is 1000ms (truncated): the sample at 99s is in; 1001ms would have missed it.
    expect(await instant('m offset (1.0007 * 1)', 100)).toEqual(['m 99']);
    expect(await instant('m offset 1.0007', 100)).toEqual(['m 99']);
  });

  it('refuses a duration that is not usable for this query, before reading data', async () => {
    await expect(engine.instantQuery(st, 'count_over_time(m[step()])', 100_000)).rejects.toThrow(
      '1:19: duration must be greater than 0: "step()" evaluates to 0s (step() is 0s in an instant query)',
    );
    await expect(engine.instantQuery(st, 'm[1h:step()]', 100_000)).rejects.toBeInstanceOf(DurationError);
    await expect(engine.rangeQuery(st, 'm offset (1h / (step() - 10s))', 0, 60_000, 10_000)).rejects.toThrow('division by zero in "(1h / (step() - 10s))"');
    // The same query is fine where step() is not zero.
    expect(await range('count_over_time(m[1m:step()])', 100, 100, 10)).toEqual(['{} 6']);
  });
});
