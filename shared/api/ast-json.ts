/**
 * astJSON: a PromQL syntax tree as the JSON that Prometheus 3's `/api/v1/parse_query` returns for
 * its web UI's tree view. Every node is an object tagged by `type` (`vectorSelector`,
 * `binaryExpr`, `call`, …); times and durations are integer milliseconds, numbers are strings in
 * Go's `'f'` format, absent parts are null and absent lists are empty arrays. Keys are emitted in
 * sorted order, as Go's encoding of a map sorts them, so equal trees print byte for byte alike.
 */
import type { AtModifier, DurationNode, Expr, VectorSelector } from '../promql/ast.ts';
import type { Matcher } from '../model/matcher.ts';
import { formatValue } from './format-value.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** sorted returns `o` with its keys in code-unit order (Go's map encoding order). */
function sorted(o: { [key: string]: Json }): { [key: string]: Json } {
  const out: { [key: string]: Json } = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k];
  return out;
}

function matchers(list: readonly Matcher[]): Json {
  return list.map((m) => sorted({ name: m.name, type: m.type, value: m.value }));
}

/** timestamp and startOrEnd split an `@` modifier as Prometheus' VectorSelector does. */
function at(a: AtModifier | null): { timestamp: Json; startOrEnd: Json } {
  if (a === null) return { timestamp: null, startOrEnd: null };
  if (a === 'start' || a === 'end') return { timestamp: null, startOrEnd: a };
  return { timestamp: a, startOrEnd: null };
}

function durationJSON(n: DurationNode | null): Json {
  if (n === null) return null;
  if (n.kind === 'NumberLiteral') return sorted({ type: 'numberLiteral', val: formatValue(n.value), duration: n.duration });
  return sorted({ type: 'durationExpr', op: n.op, lhs: durationJSON(n.lhs), rhs: durationJSON(n.rhs), wrapped: n.wrapped });
}

function selectorFields(vs: VectorSelector): { [key: string]: Json } {
  return {
    name: vs.name,
    offset: vs.offset,
    offsetExpr: durationJSON(vs.offsetExpr),
    matchers: matchers(vs.matchers),
    ...at(vs.at),
    anchored: vs.anchored,
    smoothed: vs.smoothed,
  };
}

/** astJSON renders `e` (any node the parser builds) as parse_query's `data`. */
export function astJSON(e: Expr): Json {
  switch (e.kind) {
    case 'AggregateExpr':
      return sorted({ type: 'aggregation', op: e.op, expr: astJSON(e.expr), param: e.param ? astJSON(e.param) : null, grouping: [...e.grouping], without: e.without });
    case 'BinaryExpr': {
      const m = e.matching;
      const matching: Json = m
        ? sorted({ card: m.card, labels: [...m.labels], on: m.on, include: [...m.include], fillValues: sorted({ lhs: m.fill.lhs, rhs: m.fill.rhs }) })
        : null;
      return sorted({ type: 'binaryExpr', op: e.op, lhs: astJSON(e.lhs), rhs: astJSON(e.rhs), matching, bool: e.returnBool });
    }
    case 'Call':
      return sorted({
        type: 'call',
        func: sorted({ name: e.func.name, argTypes: [...e.func.argTypes], variadic: e.func.variadic, returnType: e.func.returnType }),
        args: e.args.map(astJSON),
      });
    case 'MatrixSelector':
      return sorted({ type: 'matrixSelector', range: e.range, rangeExpr: durationJSON(e.rangeExpr), ...selectorFields(e.vector) });
    case 'SubqueryExpr':
      return sorted({
        type: 'subquery',
        expr: astJSON(e.expr),
        range: e.range,
        rangeExpr: durationJSON(e.rangeExpr),
        offset: e.offset,
        offsetExpr: durationJSON(e.offsetExpr),
        step: e.step,
        stepExpr: durationJSON(e.stepExpr),
        ...at(e.at),
      });
    case 'DurationExpr':
      return durationJSON(e);
    case 'NumberLiteral':
      return sorted({ type: 'numberLiteral', val: formatValue(e.value) });
    case 'ParenExpr':
      return sorted({ type: 'parenExpr', expr: astJSON(e.expr) });
    case 'StringLiteral':
      return sorted({ type: 'stringLiteral', val: e.value });
    case 'UnaryExpr':
      return sorted({ type: 'unaryExpr', op: e.op, expr: astJSON(e.expr) });
    case 'VectorSelector':
      return sorted({ type: 'vectorSelector', ...selectorFields(e) });
  }
}
