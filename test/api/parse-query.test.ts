// /api/v1/parse_query: the syntax tree as Prometheus 3 returns it (web/api/v1/translate_ast.go):
// api.md's `foo/bar` example with the fields Prometheus 3 has since added, and duration
// expressions as in Prometheus' translate_ast_test.go.
import { describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { queryAuxRoutes } from '../../shared/api/query-aux-routes.ts';
import { ApiError, failure } from '../../shared/api/respond.ts';

const app = new Hono();
queryAuxRoutes(app);
app.onError((err, c) => (err instanceof ApiError ? failure(c, err.errorType, err.message) : failure(c, 'internal', String(err))));

async function parse(query: string): Promise<any> {
  const res = await app.request(`/api/v1/parse_query?query=${encodeURIComponent(query)}`);
  const body = (await res.json()) as { data: unknown; error?: string };
  return { ...body, status: res.status };
}

const selector = (name: string, extra: Record<string, unknown> = {}) => ({
  anchored: false, matchers: [{ name: '__name__', type: '=', value: name }], name, offset: 0, offsetExpr: null,
  smoothed: false, startOrEnd: null, timestamp: null, type: 'vectorSelector', ...extra,
});
const num = (val: string, duration: boolean) => ({ duration, type: 'numberLiteral', val });
const dur = (op: string, lhs: unknown, rhs: unknown, wrapped: boolean) => ({ lhs, op, rhs, type: 'durationExpr', wrapped });

describe('/api/v1/parse_query', () => {
  it('renders api.md\'s foo/bar example, with Prometheus 3\'s fields, keys sorted', async () => {
    const { status, data } = await parse('foo/bar');
    expect(status).toBe(200);
    expect(data).toEqual({
      bool: false,
      lhs: selector('foo'),
      matching: { card: 'one-to-one', fillValues: { lhs: null, rhs: null }, include: [], labels: [], on: false },
      op: '/',
      rhs: selector('bar'),
      type: 'binaryExpr',
    });
    expect(Object.keys(data)).toEqual(['bool', 'lhs', 'matching', 'op', 'rhs', 'type']);
  });

  const cases: Array<[string, Record<string, unknown>]> = [
    ['foo[5m] offset 1m', { type: 'matrixSelector', range: 300_000, rangeExpr: null, offset: 60_000, offsetExpr: null }],
    ['foo[5m+1m]', { type: 'matrixSelector', range: 0, rangeExpr: dur('+', num('300', true), num('60', true), false) }],
    ['foo[5m+1m] offset (10m/2)', { offset: 0, offsetExpr: dur('/', num('600', true), num('2', false), true) }],
    ['foo[max_of(step(),5m+3m) ]', { rangeExpr: dur('max_of', dur('step', null, null, false), dur('+', num('300', true), num('180', true), false), false) }],
    ['foo[5m:1m]', { type: 'subquery', range: 300_000, step: 60_000, stepExpr: null, offset: 0, timestamp: null, startOrEnd: null }],
    ['foo @ 100', { type: 'vectorSelector', timestamp: 100_000, startOrEnd: null }],
    ['foo @ end()', { timestamp: null, startOrEnd: 'end' }],
    ['sum without (a) (foo)', { type: 'aggregation', op: 'sum', grouping: ['a'], without: true, param: null }],
    ['topk(3, foo)', { type: 'aggregation', op: 'topk', param: { type: 'numberLiteral', val: '3' }, grouping: [] }],
    ['-foo', { type: 'unaryExpr', op: '-', expr: selector('foo') }],
    ['(1e-7)', { type: 'parenExpr', expr: { type: 'numberLiteral', val: '0.0000001' } }],
    ['"a\\nb"', { type: 'stringLiteral', val: 'a\nb' }],
    ['1 > bool 2', { type: 'binaryExpr', bool: true, matching: null }],
    ['a * on (x) group_left (y) b', { matching: { card: 'many-to-one', fillValues: { lhs: null, rhs: null }, include: ['y'], labels: ['x'], on: true } }],
    ['rate(foo{a=~"b"}[1m])', { type: 'call', func: { argTypes: ['matrix'], name: 'rate', returnType: 'vector', variadic: 0 } }],
  ];
  for (const [query, want] of cases) {
    it(query, async () => {
      const { status, data } = await parse(query);
      expect(status).toBe(200);
      expect(data).toMatchObject(want);
    });
  }

  it('reports a bad query as bad_data with its position', async () => {
    const r = await parse('foo{');
    expect(r.status).toBe(400);
    expect(r.error).toMatch(/^invalid parameter "query": 1:5: parse error/);
  });
});
