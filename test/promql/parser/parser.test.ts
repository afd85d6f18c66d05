/** Parser tests: query → formatted text, query → AST facts, query → error with position. */
import { describe, expect, it } from 'vitest';
import { parseExpr, ParseError } from '../../../shared/promql/parser/index.ts';
import { isValidUtf8 } from '../../../shared/promql/parser/gostr.ts';
import { formatExpr } from '../../../shared/promql/format.ts';
import type { Expr } from '../../../shared/promql/ast.ts';

function check(query: string, formatted: string): void {
  const e = parseExpr(query);
  expect(formatExpr(e)).toBe(formatted);
  // Round trip: the printed form parses to the same printed form.
  expect(formatExpr(parseExpr(formatted))).toBe(formatted);
}

function checkError(query: string, message: string, start?: number): void {
  let err: unknown;
  try {
    parseExpr(query);
  } catch (e) {
    err = e;
  }
  expect(err, query).toBeInstanceOf(ParseError);
  const pe = err as ParseError;
  expect(pe.detail, query).toBe(message);
  if (start !== undefined) expect(pe.pos.start, query).toBe(start);
}

describe('parseExpr formats back as Prometheus prints', () => {
  const cases: [string, string][] = [
    ['1', '1'], ['-1', '-1'], ['+1.5', '1.5'], ['0x1F', '31'], ['010', '8'], ['1_000_000', '1000000'], ['.5e3', '500'],
    ['Inf', '+Inf'], ['-inf', '-Inf'], ['NaN', 'NaN'], ['1e-7', '0.0000001'],
    ['5m', '5m'], ['1h30m', '1h30m'], ['90m', '1h30m'], ['1y', '1y'], ['2w', '2w'], ['100ms', '100ms'],
    ['"a\\n\\"b"', '"a\\n\\"b"'], ["'single'", '"single"'], ['`raw\\n`', '"raw\\\\n"'], ['"\\u00e9\\x41\\101"', '"éAA"'],
    ['foo', 'foo'], ['foo{}', 'foo'], ['foo{b="2", a=~"1"}', 'foo{a=~"1",b="2"}'], ['{__name__="foo"}', '{__name__="foo"}'],
    ['{"my.metric", "a.b"="x"}', '{"a.b"="x",__name__="my.metric"}'], ['foo{a!="x",b!~"y",}', 'foo{a!="x",b!~"y"}'],
    ['foo:bar:rate5m', 'foo:bar:rate5m'], ['sum', 'sum'], ['by', 'by'], ['offset', 'offset'], ['fill + fill', 'fill + fill'],
    ['foo[5m]', 'foo[5m]'], ['foo[300]', 'foo[5m]'], ['foo[1.5]', 'foo[1s500ms]'], ['foo offset 5m', 'foo offset 5m'],
    ['foo offset -5m', 'foo offset -5m'], ['foo offset 60', 'foo offset 1m'], ['foo @ 100', 'foo @ 100.000'],
    ['foo @ -1.5', 'foo @ -1.500'], ['foo @ start()', 'foo @ start()'], ['foo[5m] @ end() offset 1m', 'foo[5m] @ end() offset 1m'],
    ['foo offset 1m @ 10', 'foo @ 10.000 offset 1m'], ['rate(foo[5m])[30m:1m]', 'rate(foo[5m])[30m:1m]'],
    ['foo[30m:]', 'foo[30m:]'], ['foo[30m:] offset 1m @ 5', 'foo[30m:] @ 5.000 offset 1m'],
    ['foo[5m+step()*2]', 'foo[5m + step() * 2]'], ['foo[(1m)]', 'foo[(1m)]'], ['foo[min_of(range(), 1h)]', 'foo[min_of(range(), 1h)]'],
    ['foo offset (100 + 2)', 'foo offset (100 + 2)'], ['foo offset -step()', 'foo offset -step()'],
    ['foo[5m] anchored', 'foo[5m] anchored'], ['foo smoothed', 'foo smoothed'],
    ['1 + 2 * 3', '1 + 2 * 3'], ['(1 + 2) * 3', '(1 + 2) * 3'], ['2 ^ 3 ^ 2', '2 ^ 3 ^ 2'], ['-2 ^ 2', '-2 ^ 2'],
    ['a atan2 b', 'a atan2 b'], ['a and b or c unless d', 'a and b or c unless d'],
    ['a > bool b', 'a > bool b'], ['1 < bool 2', '1 < bool 2'], ['a </ b', 'a </ b'], ['a >/ 2', 'a >/ 2'],
    ['a + on(x, y) b', 'a + on (x, y) b'], ['a + ignoring(x) group_left(z) b', 'a + ignoring (x) group_left (z) b'],
    ['a * on() group_right b', 'a * on () group_right () b'], ['a + fill(0) b', 'a + fill (0) b'],
    ['a + fill_left(1) fill_right(-2) b', 'a + fill_left (1) fill_right (-2) b'], ['a and on(x) b', 'a and on (x) b'],
    ['sum(foo)', 'sum(foo)'], ['sum by (a, b) (foo)', 'sum by (a, b) (foo)'], ['sum(foo) by (a)', 'sum by (a) (foo)'],
    ['sum without (a) (foo)', 'sum without (a) (foo)'], ['sum by () (foo)', 'sum(foo)'], ['avg by ("a.b", offset) (x)', 'avg by ("a.b", offset) (x)'],
    ['topk(3, foo)', 'topk(3, foo)'], ['quantile(0.9, foo)', 'quantile(0.9, foo)'], ['count_values("v", foo)', 'count_values("v", foo)'],
    ['limitk(2, foo)', 'limitk(2, foo)'], ['limit_ratio(0.5, foo)', 'limit_ratio(0.5, foo)'],
    ['rate(foo[5m])', 'rate(foo[5m])'], ['time()', 'time()'], ['round(foo)', 'round(foo)'], ['round(foo, 5)', 'round(foo, 5)'],
    ['label_join(a, "d", ",", "s1", "s2", "s3")', 'label_join(a, "d", ",", "s1", "s2", "s3")'],
    ['histogram_quantile(0.9, rate(h[5m]))', 'histogram_quantile(0.9, rate(h[5m]))'], ['step()', 'step()'], ['start()', 'start()'],
    ['info(foo, {k="v"})', 'info(foo, {k="v"})'], ['-foo', '-foo'], ['- - 1', '1'], ['foo # comment\n + bar', 'foo + bar'],
    ['foo offset 100 + 2', 'foo offset 1m40s + 2'], ['foo offset -2 ^ 2', 'foo offset -2s ^ 2'],
    // Duration expressions: in ranges, subquery ranges and steps, and offsets.
    ['foo[5m+1m]', 'foo[5m + 1m]'], ['foo offset (1h*2)', 'foo offset (1h * 2)'], ['foo[1h:step()]', 'foo[1h:step()]'],
    ['foo[29s+1s:((((8 - 2) / 3) * 7s) % 4) + 8000ms]', 'foo[29s + 1s:((((8 - 2) / 3) * 7s) % 4) + 8s]'],
    ['foo[1m:5s] offset -(20*(1s+2s))', 'foo[1m:5s] offset -(20 * (1s + 2s))'], ['foo offset -min_of(step(), 1s)+8000', 'foo offset -min_of(step(), 1s) + 8000'],
    ['foo[max_of(min_of(step()+1,1h),1ms)]', 'foo[max_of(min_of(step() + 1, 1h), 1ms)]'], ['foo[1+(STep()-5)*2]', 'foo[1 + (step() - 5) * 2]'],
    ['foo[(5s)]', 'foo[(5s)]'], ['foo offset +(5)', 'foo offset (5)'], ['foo offset -(5)', 'foo offset -(5)'], ['foo[-10s+15s]', 'foo[-10s + 15s]'],
    // Fill values print as Go's %v does; fill(NaN) is two values to Go's == and prints as such.
    ['a + fill(NaN) b', 'a + fill_left (NaN) fill_right (NaN) b'], ['a + fill(1e6) b', 'a + fill (1e+06) b'], ['a + fill(123456) b', 'a + fill (123456) b'],
    ['a + fill(0.00001) b', 'a + fill (1e-05) b'], ['a + fill(-1.5e-7) b', 'a + fill (-1.5e-07) b'], ['a + fill(-0) b', 'a + fill (-0) b'],
    ['a + fill(+Inf) b', 'a + fill (+Inf) b'], ['a + fill_left(-5m) b', 'a + fill_left (-300) b'], ['a + fill_left(1) fill_right(1) b', 'a + fill (1) b'],
    ['a + fill_right(-2) fill_left(1) b', 'a + fill_left (1) fill_right (-2) b'], ['a > bool fill (0) b', 'a > bool fill (0) b'],
    ['a * on(x) group_right(y) fill_left(2) b', 'a * on (x) group_right (y) fill_left (2) b'], ['a + ignoring(x) group_left fill(0) b', 'a + ignoring (x) group_left () fill (0) b'],
    ['fill_left + fill_right', 'fill_left + fill_right'], ['other + fill(0) fill', 'other + fill (0) fill'],
  ];
  for (const [q, f] of cases) it(`${JSON.stringify(q)} → ${f}`, () => check(q, f));
});

describe('AST shape', () => {
  const facts: [string, (e: Expr) => unknown, unknown][] = [
    ['foo offset -5m', (e) => e.kind === 'VectorSelector' && e.offset, -300000],
    ['foo[1m:]', (e) => e.kind === 'SubqueryExpr' && e.step, 0],
    ['foo[1m:10s]', (e) => e.kind === 'SubqueryExpr' && e.step, 10000],
    ['foo @ 1.5', (e) => e.kind === 'VectorSelector' && e.at, 1500],
    ['foo[5m] @ start()', (e) => e.kind === 'MatrixSelector' && e.vector.at, 'start'],
    ['a + b', (e) => e.kind === 'BinaryExpr' && e.matching?.card, 'one-to-one'],
    ['a or b', (e) => e.kind === 'BinaryExpr' && e.matching?.card, 'many-to-many'],
    ['a + 1', (e) => e.kind === 'BinaryExpr' && e.matching, null],
    ['1 + 1', (e) => e.type, 'scalar'],
    ['a + on(x) group_left(y) b', (e) => e.kind === 'BinaryExpr' && e.matching && [e.matching.card, e.matching.on, e.matching.labels, e.matching.include], ['many-to-one', true, ['x'], ['y']]],
    ['a + fill_right(3) b', (e) => e.kind === 'BinaryExpr' && e.matching?.fill, { lhs: null, rhs: 3 }],
    ['a + b offset 1m', (e) => e.kind === 'BinaryExpr' && e.rhs.kind === 'VectorSelector' && e.rhs.offset, 60000],
    ['-a ^ b', (e) => e.kind === 'UnaryExpr' && e.expr.kind, 'BinaryExpr'],
    ['-a * b', (e) => e.kind === 'BinaryExpr' && e.lhs.kind, 'UnaryExpr'],
    ['a - b - c', (e) => e.kind === 'BinaryExpr' && e.lhs.kind, 'BinaryExpr'],
    ['a ^ b ^ c', (e) => e.kind === 'BinaryExpr' && e.rhs.kind, 'BinaryExpr'],
    ['a == b or c', (e) => e.kind === 'BinaryExpr' && e.op, 'or'],
    ['topk(5, foo)', (e) => e.kind === 'AggregateExpr' && e.param?.kind, 'NumberLiteral'],
    ['scalar(foo)', (e) => e.type, 'scalar'],
    ['rate(foo[5m])', (e) => e.kind === 'Call' && [e.func.name, e.pos], ['rate', { start: 0, end: 13 }]],
    ['foo[5m+step()]', (e) => e.kind === 'MatrixSelector' && [e.range, e.rangeExpr?.op], [0, '+']],
    ['foo offset step()', (e) => e.kind === 'VectorSelector' && e.offsetExpr?.op, 'step'],
    ['"a\\xc5z"', (e) => e.kind === 'StringLiteral' && isValidUtf8(e.value), false],
    ['sum(foo) by (x)', (e) => e.pos, { start: 0, end: 15 }],
    ['info(foo, {k="v"})', (e) => e.kind === 'Call' && e.args[1].kind === 'VectorSelector' && e.args[1].bypassEmptyMatcherCheck, true],
    // Literal durations: rounded to nanoseconds, then truncated to ms (Prometheus' time.Duration).
    ['foo[1.0006]', (e) => e.kind === 'MatrixSelector' && e.range, 1000],
    ['foo[1.001]', (e) => e.kind === 'MatrixSelector' && e.range, 1001],
    ['foo offset 0.0015', (e) => e.kind === 'VectorSelector' && e.offset, 1],
    ['foo offset -0.0015', (e) => e.kind === 'VectorSelector' && e.offset, -1],
    ['foo @ -1.0005', (e) => e.kind === 'VectorSelector' && e.at, -1001],
    ['foo[1h:step()]', (e) => e.kind === 'SubqueryExpr' && [e.range, e.step, e.stepExpr?.op], [3600000, 0, 'step']],
    ['foo[5m:1m] offset (1h*2)', (e) => e.kind === 'SubqueryExpr' && [e.offset, e.offsetExpr?.op, e.offsetExpr?.wrapped], [0, '*', true]],
    ['foo[-2^2]', (e) => e.kind === 'MatrixSelector' && e.rangeExpr && [e.rangeExpr.op, e.rangeExpr.lhs, e.rangeExpr.rhs?.kind], ['-', null, 'DurationExpr']],
    ['a + fill(NaN) b', (e) => e.kind === 'BinaryExpr' && e.matching?.fill, { lhs: NaN, rhs: NaN }],
    ['a + fill_right(1) fill_left(2) b', (e) => e.kind === 'BinaryExpr' && e.matching?.fill, { lhs: 2, rhs: 1 }],
    ['a * on(x) group_right fill(0) b', (e) => e.kind === 'BinaryExpr' && [e.matching?.card, e.matching?.fill], ['one-to-many', { lhs: 0, rhs: 0 }]],
  ];
  for (const [q, get, want] of facts) it(q, () => expect(get(parseExpr(q))).toEqual(want));
});

describe('parse errors carry Prometheus messages and positions', () => {
  const cases: [string, string, number][] = [
    ['', 'no expression found in input', 0],
    ['1+', 'unexpected end of input', 2],
    ['.', "unexpected character: '.'", 0],
    ['2.5.', 'bad number or duration syntax: "2.5."', 0],
    ['*1', 'unexpected <op:*>', 0],
    ['(1))', "unexpected right parenthesis ')'", 4],
    ['((1)', 'unclosed left parenthesis', 4],
    ['1 and 1', 'set operator "and" not allowed in binary scalar expression', 0],
    ['1 == 1', 'comparisons between scalars must use BOOL modifier', 2],
    ['1 =~ 1', "unexpected character after '=': '~'", 2],
    ['-"string"', 'unary expression only allowed on expressions of type scalar or instant vector, got "string"', 0],
    ['1 offset 1d', 'offset modifier must be preceded by an instant vector selector or range vector selector or a subquery', 0],
    ['foo offset 1s offset 2s', 'offset may not be set multiple times', 0],
    ['a - on(b) ignoring(c) d', 'unexpected <ignoring>', 10],
    ['foo + group_left(baz) bar', 'unexpected <group_left>', 6],
    ['1 or on(bar) foo', 'vector matching only allowed between instant vectors', 0],
    ['foo and on(bar) group_left(baz) bar', 'no grouping allowed for "and" operation', 0],
    ['a + on(instance) group_left(job,instance) b', 'label "instance" must not occur in ON and GROUP clause at once', 2],
    ['foo + bool bar', 'bool modifier can only be used on comparison operators', 4],
    ['foo @ +Inf', 'timestamp out of bounds for @ modifier: +Inf', 0],
    ['foo @ NaN', 'timestamp out of bounds for @ modifier: NaN', 0],
    ['{', 'unexpected end of input inside braces', 1],
    ['some_metric{a=b}', 'unexpected identifier "b" in label matching, expected string', 14],
    ['foo{gibberish}', 'unexpected "}" in label matching, expected label matching operator', 13],
    ['{}', 'vector selector must contain at least one non-empty matcher', 0],
    ['{x=~".*"}', 'vector selector must contain at least one non-empty matcher', 0],
    ['foo{__name__="bar"}', 'metric name must not be set twice: "foo" or "bar"', 0],
    ['foo{,}', 'unexpected "," in label matching, expected identifier or "}"', 4],
    ['foo{__name__="bar" lol}', 'unexpected identifier "lol" in label matching, expected "," or "}"', 19],
    ['foo[5mm]', 'bad number or duration syntax: "5mm"', 4],
    ['foo[5y1hs]', 'unknown unit "hs" in duration "5y1hs"', 4],
    ['foo[5m1h]', 'not a valid duration string: "5m1h"', 4],
    ['foo[0m]', 'duration must be greater than 0', 4],
    ['foo[-1]', 'duration must be greater than 0', 4],
    ['foo[]', 'unexpected "]" in subquery or range selector, expected number, duration, step(), or range()', 4],
    ['some_metric[5m] OFFSET', 'unexpected end of input in offset, expected number, duration, step(), or range()', 22],
    ['some_metric OFFSET 1m[5m]', 'no offset modifiers allowed before range', 21],
    ['some_metric[5m] @', 'unexpected end of input in @, expected timestamp', 17],
    ['some_metric @ 1234 [5m]', 'no @ modifiers allowed before range', 19],
    ['(foo + bar)[5m]', 'ranges only allowed for vector selectors', 11],
    ['sum by ("foo)(some_metric{})', 'unterminated quoted string', 8],
    ['sum without(==)(some_metric)', 'unexpected <op:==> in grouping opts, expected label', 12],
    ['sum some_metric by (test)', 'unexpected identifier "some_metric"', 4],
    ['sum (some_metric) by test', 'unexpected identifier "test" in grouping opts, expected "("', 21],
    ['sum () by (test)', 'no arguments for aggregate expression provided', 0],
    ['sum (some_metric) without (test) by (test)', 'unexpected <by>', 33],
    ['topk(some_metric)', 'wrong number of arguments for aggregate expression provided, expected 2, got 1', 0],
    ['topk(some_metric,)', 'trailing commas not allowed in function call args', 16],
    ['topk(some_metric, other_metric)', 'expected type scalar in aggregation parameter, got instant vector', 5],
    ['count_values(5, other_metric)', 'expected type string in aggregation parameter, got scalar', 13],
    ['rate(some_metric[5m]) @ 1234', '@ modifier must be preceded by an instant vector selector or range vector selector or a subquery', 0],
    ['floor()', 'expected 1 argument(s) in call to "floor", got 0', 0],
    ['floor(1)', 'expected type instant vector in call to function "floor", got scalar', 6],
    ['hour(a, a, a)', 'expected at most 1 argument(s) in call to "hour", got 3', 0],
    ['label_join(a)', 'expected at least 3 argument(s) in call to "label_join", got 1', 0],
    ['non_existent()', 'unknown function with name "non_existent"', 0],
    ['rate(some_metric)', 'expected type range vector in call to function "rate", got instant vector', 5],
    ['"\\c"', "unknown escape sequence U+0063 'c'", 0],
    ['"\\x."', "illegal character U+002E '.' in escape sequence", 0],
    ['test[5d] OFFSET 10s [10m:5s]', 'subquery is only allowed on instant vector, got matrix instead', 0],
    ['info(rate(x[5m]), target_info{foo="bar"})', 'expected label selectors only, got vector selector instead', 18],
    ['foo[step]', 'unexpected "]" in subquery or range selector, expected number, duration, step(), or range()', 8],
    ['foo[5s/0d]', 'division by zero', 6],
    ['foo[5s%0d]', 'modulo by zero', 6],
    ['foo offset 9.5e10', 'duration out of range', 11],
    ['foo[5s x 5s]', "unexpected character: 'x', expected ':'", 7],
    ['a + fill(1) 2', 'filling in missing series only allowed between instant vectors', 0],
    ['a and fill(1) b', 'filling in missing series not allowed for set operators', 0],
    ['foo[1m:] anchored', 'anchored modifier is not supported for subqueries', 0],
    ['foo anchored smoothed', 'anchored and smoothed modifiers cannot be used together', 0],
    ['1e400', 'error parsing number: strconv.ParseFloat: parsing "1e400": value out of range', 0],
    ['foo[step()/0d]', 'division by zero', 10],
    ['foo offset (4d/0)', 'division by zero', 14],
    ['foo[-5m]', 'duration must be greater than 0', 4],
    // As in Prometheus' lexer, `[` starts a duration expression and the first number ends that mode.
    ['foo[', 'unexpected end of input in duration expression', 4],
    ['foo[x]', "unexpected character in duration expression: 'x'", 4],
    ['foo[5m+1m', 'unclosed left bracket', 9],
    ['foo[5m:1m:]', "unexpected colon ':'", 9],
    // Prometheus (3.14) wants a number before the colon of a subquery: `[step():]` is refused.
    ['foo[step():]', 'unexpected colon before duration in duration expression', 11],
    ['foo offset 5m @ (1+2)', 'unexpected "(" in @, expected timestamp', 16],
    ['foo offset 5m[1m+2m]', 'no offset modifiers allowed before range', 13],
    ['foo offset (1m+2m)[5m]', 'no offset modifiers allowed before range', 18],
    ['a + fill(foo) b', 'unexpected identifier "foo"', 9],
    ['a + fill() b', 'unexpected ")"', 9],
    ['a + fill(0) group_left b', 'unexpected <group_left>', 12],
    ['1 + fill(0) 1', 'filling in missing series only allowed between instant vectors', 0],
    ['a or fill_right(0) b', 'filling in missing series not allowed for set operators', 0],
  ];
  for (const [q, msg, start] of cases) it(JSON.stringify(q), () => checkError(q, msg, start));

  it('formats the position as line:col in UTF-8 bytes', () => {
    expect(() => parseExpr('foo +\n  "é" * *')).toThrow('2:10: parse error: unexpected <op:*>');
  });

  it('honours disabled experimental features', () => {
    expect(() => parseExpr('mad_over_time(x[5m])', { experimentalFunctions: false })).toThrow('function "mad_over_time" is not enabled');
    expect(() => parseExpr('x[5m+1m]', { durationExpressions: false })).toThrow('experimental duration expression is not enabled');
    expect(() => parseExpr('x anchored', { extendedRangeSelectors: false })).toThrow('anchored modifier is experimental and not enabled');
    expect(() => parseExpr('a + fill(0) b', { binopFill: false })).toThrow('binop fill modifiers are experimental and not enabled');
  });

  it('bounds nesting depth with a ParseError', () => {
    expect(() => parseExpr('('.repeat(5000) + '1' + ')'.repeat(5000))).toThrow(ParseError);
    expect(() => parseExpr('-'.repeat(5000) + '1')).toThrow(ParseError);
    expect(() => parseExpr('2' + '^2'.repeat(5000))).toThrow(ParseError);
  });
});
