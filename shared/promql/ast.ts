/**
 * PromQL abstract syntax tree: the node types the parser builds and the engine evaluates.
 *
 * Every node is a plain object tagged by `kind`, carries its source span in `pos` (UTF-16 offsets
 * into the query, end exclusive) and its `type`, the value type it evaluates to. A value type
 * describes the shape of a result (scalar, instant vector, range vector, string); the samples of
 * a vector or matrix may be floats or native histograms, which the engine tells apart per sample.
 * Times are milliseconds; durations given in the query are kept both as resolved milliseconds
 * and, when they were written as duration expressions (`[5m+step()]`), as the expression.
 */
import type { Matcher } from '../model/matcher.ts';
import type { FunctionSignature } from './functions.ts';

/** ValueType: the shape of a PromQL value. `none` only appears on invalid trees. */
export type ValueType = 'scalar' | 'vector' | 'matrix' | 'string' | 'none';

/** PosRange: a span of the query, UTF-16 offsets, `end` exclusive. */
export interface PosRange {
  start: number;
  end: number;
}

export type AggregateOp =
  | 'sum' | 'avg' | 'count' | 'min' | 'max' | 'group' | 'stddev' | 'stdvar'
  | 'topk' | 'bottomk' | 'count_values' | 'quantile' | 'limitk' | 'limit_ratio';

export type ArithmeticOp = '+' | '-' | '*' | '/' | '%' | '^' | 'atan2';
export type ComparisonOp = '==' | '!=' | '>' | '<' | '>=' | '<=';
export type TrimOp = '</' | '>/';
export type SetOp = 'and' | 'or' | 'unless';
export type BinaryOp = ArithmeticOp | ComparisonOp | TrimOp | SetOp;

/** AtModifier: `@ <ms>` as a timestamp in milliseconds, or `@ start()` / `@ end()`. */
export type AtModifier = number | 'start' | 'end';

export interface NumberLiteral {
  kind: 'NumberLiteral';
  type: 'scalar';
  value: number;
  /** duration: written as a duration (`5m`), so it prints back as one. `value` is in seconds. */
  duration: boolean;
  pos: PosRange;
}

export interface StringLiteral {
  kind: 'StringLiteral';
  type: 'string';
  /** value: the unquoted text. Bytes that are not valid UTF-8 (from `\xHH` or octal escapes) are
   *  kept as lone surrogates U+DC80..U+DCFF, so `isValidUtf8(value)` (parser/gostr.ts) tells whether it is UTF-8. */
  value: string;
  pos: PosRange;
}

export type DurationOp = '+' | '-' | '*' | '/' | '%' | '^' | 'step' | 'range' | 'min_of' | 'max_of';

/**
 * DurationExpr: an arithmetic expression over durations (seconds) inside `[...]` or after
 * `offset`, resolved by the engine (it may use `step()` and `range()` of the query). Unary
 * minus has `lhs` null; `step()`/`range()` have both operands null. `wrapped` records
 * parentheses around it.
 */
export interface DurationExpr {
  kind: 'DurationExpr';
  type: 'scalar';
  op: DurationOp;
  lhs: DurationNode | null;
  rhs: DurationNode | null;
  wrapped: boolean;
  pos: PosRange;
}

export type DurationNode = NumberLiteral | DurationExpr;

export interface VectorSelector {
  kind: 'VectorSelector';
  type: 'vector';
  /** name: the metric name when written before the braces, else ''. */
  name: string;
  /** matchers: every matcher, the `__name__` one for `name` included (last). */
  matchers: Matcher[];
  /** offset: in milliseconds (negative allowed); 0 when `offsetExpr` is set. */
  offset: number;
  offsetExpr: DurationExpr | null;
  at: AtModifier | null;
  anchored: boolean;
  smoothed: boolean;
  /** bypassEmptyMatcherCheck: set for the label-selector argument of `info()`. */
  bypassEmptyMatcherCheck: boolean;
  pos: PosRange;
}

export interface MatrixSelector {
  kind: 'MatrixSelector';
  type: 'matrix';
  vector: VectorSelector;
  /** range: in milliseconds; 0 when `rangeExpr` is set. */
  range: number;
  rangeExpr: DurationExpr | null;
  pos: PosRange;
}

export interface SubqueryExpr {
  kind: 'SubqueryExpr';
  type: 'matrix';
  expr: Expr;
  range: number;
  rangeExpr: DurationExpr | null;
  /** step: in milliseconds; 0 means "not given" (the engine fills its default). */
  step: number;
  stepExpr: DurationExpr | null;
  offset: number;
  offsetExpr: DurationExpr | null;
  at: AtModifier | null;
  pos: PosRange;
}

export interface Call {
  kind: 'Call';
  type: ValueType;
  func: FunctionSignature;
  args: Expr[];
  pos: PosRange;
}

export interface AggregateExpr {
  kind: 'AggregateExpr';
  type: 'vector';
  op: AggregateOp;
  expr: Expr;
  param: Expr | null;
  grouping: string[];
  without: boolean;
  pos: PosRange;
}

export type MatchCardinality = 'one-to-one' | 'many-to-one' | 'one-to-many' | 'many-to-many';

/** VectorMatching: how the two vectors of a binary operation pair their series. */
export interface VectorMatching {
  card: MatchCardinality;
  /** on: true for `on(...)`, false for `ignoring(...)` or no clause. */
  on: boolean;
  labels: string[];
  /** include: the labels of `group_left(...)` / `group_right(...)`. */
  include: string[];
  /** fill: values of `fill()`, `fill_left()`, `fill_right()` for a missing side, or null. */
  fill: { lhs: number | null; rhs: number | null };
}

export interface BinaryExpr {
  kind: 'BinaryExpr';
  type: ValueType;
  op: BinaryOp;
  lhs: Expr;
  rhs: Expr;
  /** matching: null unless both operands are instant vectors. */
  matching: VectorMatching | null;
  returnBool: boolean;
  pos: PosRange;
}

export interface UnaryExpr {
  kind: 'UnaryExpr';
  type: ValueType;
  op: '-' | '+';
  expr: Expr;
  pos: PosRange;
}

export interface ParenExpr {
  kind: 'ParenExpr';
  type: ValueType;
  expr: Expr;
  pos: PosRange;
}

export type Expr =
  | NumberLiteral
  | StringLiteral
  | VectorSelector
  | MatrixSelector
  | SubqueryExpr
  | Call
  | AggregateExpr
  | BinaryExpr
  | UnaryExpr
  | ParenExpr
  | DurationExpr;

/** documentedType names a value type the way Prometheus' messages do. */
export function documentedType(t: ValueType): string {
  switch (t) {
    case 'vector':
      return 'instant vector';
    case 'matrix':
      return 'range vector';
    default:
      return t;
  }
}

/** children lists the direct sub-expressions of a node, in source order. */
export function children(e: Expr): Expr[] {
  switch (e.kind) {
    case 'MatrixSelector':
      return [e.vector];
    case 'SubqueryExpr':
      return [e.expr];
    case 'Call':
      return e.args;
    case 'AggregateExpr':
      return e.param ? [e.param, e.expr] : [e.expr];
    case 'BinaryExpr':
      return [e.lhs, e.rhs];
    case 'UnaryExpr':
    case 'ParenExpr':
      return [e.expr];
    case 'DurationExpr':
      return [e.lhs, e.rhs].filter((x): x is DurationNode => x !== null);
    default:
      return [];
  }
}

/** walk visits `e` and every node below it, parents first. Returning false skips the children. */
export function walk(e: Expr, visit: (node: Expr, parents: readonly Expr[]) => boolean | void): void {
  const path: Expr[] = [];
  const rec = (n: Expr): void => {
    if (visit(n, path) === false) return;
    path.push(n);
    for (const c of children(n)) rec(c);
    path.pop();
  };
  rec(e);
}
