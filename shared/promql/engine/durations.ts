/**
 * Duration expressions (Prometheus 3's experimental `rate(x[5m + step()])`, `offset (1h * 2)`,
 * `[1h:step()]`): resolved once per query, before its time bounds are computed and before
 * evaluation, so the rest of the engine only sees fixed durations in milliseconds.
 */
import type { DurationNode, Expr, MatrixSelector, SubqueryExpr, VectorSelector } from '../ast.ts';
import { formatExpr } from '../format.ts';
import { DurationError } from '../parser/errors.ts';
import { goPow } from './binary.ts';

/** DurationTimes: what a duration expression may refer to, and the query text for messages. */
export interface DurationTimes {
  readonly start: number;
  readonly end: number;
  /** step: the range query's step in ms; 0 for an instant query (so `step()` is 0 there). */
  readonly step: number;
  readonly query: string;
}

/**
 * durationValue: the value in seconds of a duration expression for a query with the given times,
 * with Go's float semantics (math.Pow, math.Mod). A division or modulo by zero calls `byZero`,
 * which throws.
 */
export function durationValue(d: DurationNode, t: Omit<DurationTimes, 'query'>, byZero: (d: DurationNode, op: '/' | '%') => never): number {
  if (d.kind === 'NumberLiteral') return d.value;
  const l = d.lhs ? durationValue(d.lhs, t, byZero) : 0;
  const r = d.rhs ? durationValue(d.rhs, t, byZero) : 0;
  switch (d.op) {
    case 'step': return t.step / 1000;
    case 'range': return (t.end - t.start) / 1000;
    case 'min_of': return Math.min(l, r);
    case 'max_of': return Math.max(l, r);
    case '+': return d.lhs ? l + r : r;
    case '-': return d.lhs ? l - r : -r;
    case '*': return l * r;
    case '/': return r === 0 ? byZero(d, '/') : l / r;
    case '%': return r === 0 ? byZero(d, '%') : l % r;
    case '^': return goPow(l, r);
  }
}

/** The largest duration in seconds that Go's time.Duration holds (as Prometheus bounds it). */
const MAX_DURATION_SECONDS = 2 ** 63 / 1e9;

/**
 * resolveDurations returns `e` with every duration expression (the range of a matrix selector or
 * subquery, a subquery's step, an offset) replaced by its value in milliseconds for a query with
 * the given start, end and step, as Prometheus' durationVisitor does before evaluation: `step()`
 * is the query step (0 for an instant query), `range()` is end - start, and the value in
 * seconds becomes whole milliseconds by truncation. Nodes are visited parents first, and within
 * a node in Prometheus' order (offset, step, range), so the first problem reported is the one
 * Prometheus reports. Throws DurationError, positioned at the duration expression, for NaN or
 * infinite values, a range or step that is not greater than 0, a value out of time.Duration's
 * range, and a division or modulo by zero. Nodes without duration expressions are shared, the
 * others copied: the caller's tree is not changed.
 */
export function resolveDurations(e: Expr, t: DurationTimes): Expr {
  const fail = (d: DurationNode, message: string): never => {
    throw new DurationError(t.query, { pos: { start: d.pos.start, end: d.pos.end }, message });
  };
  const seconds = (d: DurationNode): number => durationValue(d, t, (x, op) => fail(x, `${op === '/' ? 'division' : 'modulo'} by zero in ${text(x)}${hint(x)}`));
  const uses = (d: DurationNode | null, op: 'step' | 'range'): boolean =>
    d !== null && d.kind === 'DurationExpr' && (d.op === op || uses(d.lhs, op) || uses(d.rhs, op));
  /** hint: why step() or range() is 0, when `d` uses them and they are. */
  const hint = (d: DurationNode): string => {
    if (t.step === 0 && uses(d, 'step')) return ' (step() is 0s in an instant query)';
    if (t.end === t.start && uses(d, 'range')) return ' (range() is 0s: the query starts where it ends)';
    return '';
  };
  const text = (d: DurationNode): string => JSON.stringify(formatExpr(d));
  /** ms: the value of `d` in milliseconds; only offsets may be zero or negative. */
  const ms = (d: DurationNode, allowNegative: boolean): number => {
    const v = seconds(d);
    const got = `${text(d)} evaluates to ${Number.isFinite(v) ? `${v}s` : Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf'}${hint(d)}`;
    if (!Number.isFinite(v)) fail(d, `duration is NaN or infinite: ${got}`);
    if (v <= 0 && !allowNegative) fail(d, `duration must be greater than 0: ${got}`);
    if (v > MAX_DURATION_SECONDS || v < -MAX_DURATION_SECONDS) fail(d, `duration is out of range: ${got}`);
    return Math.trunc(v * 1000) + 0; // `+ 0` turns -0 into 0.
  };
  const selector = (vs: VectorSelector): VectorSelector => (vs.offsetExpr ? { ...vs, offset: ms(vs.offsetExpr, true), offsetExpr: null } : vs);
  const matrix = (n: MatrixSelector): MatrixSelector => {
    const range = n.rangeExpr ? ms(n.rangeExpr, false) : n.range;
    const vector = selector(n.vector);
    return vector === n.vector && !n.rangeExpr ? n : { ...n, vector, range, rangeExpr: null };
  };
  const subquery = (n: SubqueryExpr): SubqueryExpr => {
    const offset = n.offsetExpr ? ms(n.offsetExpr, true) : n.offset;
    const step = n.stepExpr ? ms(n.stepExpr, false) : n.step;
    const range = n.rangeExpr ? ms(n.rangeExpr, false) : n.range;
    const expr = rec(n.expr);
    if (expr === n.expr && !n.offsetExpr && !n.stepExpr && !n.rangeExpr) return n;
    return { ...n, expr, offset, offsetExpr: null, step, stepExpr: null, range, rangeExpr: null };
  };
  const list = (xs: Expr[]): Expr[] => {
    const out = xs.map(rec);
    return out.every((x, i) => x === xs[i]) ? xs : out;
  };
  function rec(n: Expr): Expr {
    switch (n.kind) {
      case 'VectorSelector':
        return selector(n);
      case 'MatrixSelector':
        return matrix(n);
      case 'SubqueryExpr':
        return subquery(n);
      case 'Call': {
        const args = list(n.args);
        return args === n.args ? n : { ...n, args };
      }
      case 'AggregateExpr': {
        const param = n.param ? rec(n.param) : null;
        const expr = rec(n.expr);
        return param === n.param && expr === n.expr ? n : { ...n, param, expr };
      }
      case 'BinaryExpr': {
        const lhs = rec(n.lhs), rhs = rec(n.rhs);
        return lhs === n.lhs && rhs === n.rhs ? n : { ...n, lhs, rhs };
      }
      case 'UnaryExpr':
      case 'ParenExpr': {
        const expr = rec(n.expr);
        return expr === n.expr ? n : { ...n, expr };
      }
      case 'DurationExpr':
        // Only inside `[...]` and after `offset`; a bare one evaluates as the scalar it is.
        return { kind: 'NumberLiteral', type: 'scalar', value: seconds(n), duration: false, pos: n.pos };
      case 'NumberLiteral':
      case 'StringLiteral':
        return n;
    }
  }
  return rec(e);
}
