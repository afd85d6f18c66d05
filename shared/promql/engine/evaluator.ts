/**
 * Evaluator: walks a type-checked AST once over a step grid and yields each node's value for all
 * steps at once (rows of step values for vectors, one value per step for scalars). Selectors go
 * to selectors.ts, operators to binary.ts, aggregations to aggregate.ts, calls to the function
 * registry. It also keeps the samples-in-memory account: a node's value is held until its parent
 * is done with it. Before the first node it resolves the query's duration expressions
 * (resolveDurations). One Evaluator per query; not safe to share.
 */
import type { DurationNode, Expr, MatrixSelector, SubqueryExpr, UnaryExpr, VectorSelector } from '../ast.ts';
import { formatExpr } from '../format.ts';
import { DurationError } from '../parser/errors.ts';
import type { EvalContext } from './context.ts';
import { evalAggregate } from './aggregate.ts';
import { evalBinary, goPow } from './binary.ts';
import { QueryExecutionError } from './errors.ts';
import { callFunction } from './functions/registry.ts';
import { evalRangeLiteral, evalVectorSelector } from './selectors.ts';
import { Rows, type EvalValue, type Grid } from './rows.ts';

export class Evaluator {
  readonly ctx: EvalContext;
  #resolved = false;

  constructor(ctx: EvalContext) {
    this.ctx = ctx;
  }

  /**
   * eval evaluates `e` over grid `g`. The first call (the query's root) first replaces the
   * duration expressions of the tree by their values for this query (resolveDurations), which
   * throws DurationError for a duration that cannot be used.
   */
  eval(e: Expr, g: Grid): EvalValue {
    if (!this.#resolved) {
      this.#resolved = true;
      e = resolveDurations(e, this.ctx);
    }
    this.ctx.check('query execution');
    const held = this.ctx.samples;
    const v = this.#dispatch(e, g);
    this.ctx.samples = held;
    this.ctx.hold(cells(v), 'query execution');
    return v;
  }

  /** vector evaluates an expression of type instant vector. */
  vector(e: Expr, g: Grid): Rows {
    const v = this.eval(e, g);
    if (v.kind !== 'vector') throw new Error(`BUG: expected an instant vector from ${e.kind}, got ${v.kind}`);
    return v.rows;
  }

  /** scalar evaluates an expression of type scalar: one value per step. */
  scalar(e: Expr, g: Grid): Float64Array {
    const v = this.eval(e, g);
    if (v.kind !== 'scalar') throw new Error(`BUG: expected a scalar from ${e.kind}, got ${v.kind}`);
    return v.values;
  }

  /** string evaluates an expression of type string. */
  string(e: Expr, g: Grid): string {
    const v = this.eval(e, g);
    if (v.kind !== 'string') throw new Error(`BUG: expected a string from ${e.kind}, got ${v.kind}`);
    return v.value;
  }

  #dispatch(e: Expr, g: Grid): EvalValue {
    switch (e.kind) {
      case 'NumberLiteral':
        return { kind: 'scalar', values: new Float64Array(g.steps).fill(e.value) };
      case 'DurationExpr':
        throw new Error('BUG: duration expression left unresolved');
      case 'StringLiteral':
        return { kind: 'string', value: e.value };
      case 'ParenExpr':
        return this.#dispatch(e.expr, g);
      case 'UnaryExpr':
        return this.#unary(e, g);
      case 'VectorSelector':
        return { kind: 'vector', rows: evalVectorSelector(this.ctx, e, g) };
      case 'MatrixSelector':
      case 'SubqueryExpr':
        if (g.steps !== 1) throw new QueryExecutionError('range vectors can only be returned by instant queries');
        return { kind: 'matrix', series: evalRangeLiteral(this.ctx, e, g.start, (x, ig) => this.vector(x, ig)) };
      case 'Call':
        return callFunction(this, e, g);
      case 'AggregateExpr':
        return { kind: 'vector', rows: evalAggregate(this, e, g) };
      case 'BinaryExpr':
        return evalBinary(this, e, g);
    }
  }

  #unary(e: UnaryExpr, g: Grid): EvalValue {
    const v = this.#dispatch(e.expr, g);
    if (e.op === '+') return v;
    if (v.kind === 'scalar') return { kind: 'scalar', values: v.values.map((x) => -x) };
    if (v.kind === 'vector') {
      const r = v.rows;
      return { kind: 'vector', rows: r.withValues(r.values.map((x) => -x), r.present, true) };
    }
    throw new Error(`BUG: unary minus on ${v.kind}`);
  }
}

/** cells counts the samples a value holds. */
function cells(v: EvalValue): number {
  switch (v.kind) {
    case 'vector':
      return v.rows.presentCount();
    case 'scalar':
      return 0;
    case 'string':
      return 0;
    case 'matrix':
      return v.series.reduce((n, s) => n + s.ts.length, 0);
  }
}

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
