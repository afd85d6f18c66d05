/**
 * Evaluator: walks a type-checked AST once over a step grid and yields each node's value for all
 * steps at once (rows of step values for vectors, one value per step for scalars). Selectors go
 * to selectors.ts, operators to binary.ts, aggregations to aggregate.ts, calls to the function
 * registry. It also keeps the samples-in-memory account: a node's value is held until its parent
 * is done with it. The tree's duration expressions are resolved before (durations.ts). One
 * Evaluator per query; not safe to share.
 */
import type { Expr, UnaryExpr } from '../ast.ts';
import type { EvalContext } from './context.ts';
import { evalAggregate } from './aggregate.ts';
import { evalBinary } from './binary.ts';
import { QueryExecutionError } from './errors.ts';
import { callFunction } from './functions/registry.ts';
import { evalRangeLiteral, evalVectorSelector } from './selectors.ts';
import { Rows, type EvalValue, type Grid } from './rows.ts';

export class Evaluator {
  readonly ctx: EvalContext;

  constructor(ctx: EvalContext) {
    this.ctx = ctx;
  }

  /** eval evaluates `e` (its duration expressions resolved: resolveDurations) over grid `g`. */
  async eval(e: Expr, g: Grid): Promise<EvalValue> {
    this.ctx.check('query execution');
    const held = this.ctx.samples;
    const v = await this.#dispatch(e, g);
    this.ctx.samples = held;
    this.ctx.hold(cells(v), 'query execution');
    return v;
  }

  /** vector evaluates an expression of type instant vector. */
  async vector(e: Expr, g: Grid): Promise<Rows> {
    const v = await this.eval(e, g);
    if (v.kind !== 'vector') throw new Error(`BUG: expected an instant vector from ${e.kind}, got ${v.kind}`);
    return v.rows;
  }

  /** scalar evaluates an expression of type scalar: one value per step. */
  async scalar(e: Expr, g: Grid): Promise<Float64Array> {
    const v = await this.eval(e, g);
    if (v.kind !== 'scalar') throw new Error(`BUG: expected a scalar from ${e.kind}, got ${v.kind}`);
    return v.values;
  }

  /** string evaluates an expression of type string. */
  async string(e: Expr, g: Grid): Promise<string> {
    const v = await this.eval(e, g);
    if (v.kind !== 'string') throw new Error(`BUG: expected a string from ${e.kind}, got ${v.kind}`);
    return v.value;
  }

  async #dispatch(e: Expr, g: Grid): Promise<EvalValue> {
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
        return { kind: 'vector', rows: await evalVectorSelector(this.ctx, e, g) };
      case 'MatrixSelector':
      case 'SubqueryExpr':
        if (g.steps !== 1) throw new QueryExecutionError('range vectors can only be returned by instant queries');
        return { kind: 'matrix', series: await evalRangeLiteral(this.ctx, e, g.start, (x, ig) => this.vector(x, ig)) };
      case 'Call':
        return callFunction(this, e, g);
      case 'AggregateExpr':
        return { kind: 'vector', rows: await evalAggregate(this, e, g) };
      case 'BinaryExpr':
        return evalBinary(this, e, g);
    }
  }

  async #unary(e: UnaryExpr, g: Grid): Promise<EvalValue> {
    const v = await this.#dispatch(e.expr, g);
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
