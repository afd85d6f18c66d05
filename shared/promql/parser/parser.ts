/**
 * PromQL parser: a hand-written precedence-climbing parser for Prometheus 3's grammar. It turns a
 * query into the AST of ../ast.ts, then type-checks it as Prometheus' checkAST does (check.ts).
 * Postfix modifiers (`[range]`, `[range:step]`, `offset`, `@`, `anchored`, `smoothed`) bind
 * tighter than any operator; unary minus binds like `*` (so `-a^b` is `-(a^b)`); `^` is
 * right-associative. Every problem is reported with its span in a ParseError.
 */
import type {
  AggregateExpr, AggregateOp, BinaryExpr, BinaryOp, Call, DurationNode, Expr, MatchCardinality,
  MatrixSelector, NumberLiteral, PosRange, StringLiteral, SubqueryExpr, VectorMatching, VectorSelector,
} from '../ast.ts';
import { Matcher, type MatchType } from '../../model/matcher.ts';
import { getFunction, type FunctionSignature } from '../functions.ts';
import { checkAST } from './check.ts';
import { Abort, type ParseOptions } from './cursor.ts';
import { DurationParser } from './durations.ts';
import { ParseError } from './errors.ts';
import { goQuote, isValidUtf8, unquote, UnquoteError } from './gostr.ts';
import { AGGREGATORS, type Token, type TokenType } from './lexer.ts';

export type { ParseOptions } from './cursor.ts';

const BINARY_PREC: Partial<Record<TokenType, number>> = {
  or: 1, and: 2, unless: 2,
  '==': 3, '!=': 3, '<': 3, '<=': 3, '>': 3, '>=': 3, '</': 3, '>/': 3,
  '+': 4, '-': 4, '*': 5, '/': 5, '%': 5, atan2: 5, '^': 6,
};
const POW_PREC = 6;

/** Keywords that may also name a metric (Prometheus' metric_identifier). */
const KEYWORD_METRIC_NAMES: ReadonlySet<string> = new Set([
  ...AGGREGATORS, 'by', 'without', 'and', 'or', 'unless', 'offset', 'fill', 'fill_left', 'fill_right',
  'start', 'end', 'step', 'range', 'anchored', 'smoothed', 'max_of', 'min_of',
]);
/** Keywords that may name a label in a grouping list (Prometheus' maybe_label). */
const KEYWORD_LABEL_NAMES: ReadonlySet<string> = new Set([
  ...AGGREGATORS, 'bool', 'by', 'group_left', 'group_right', 'fill', 'fill_left', 'fill_right',
  'ignoring', 'and', 'or', 'unless', 'offset', 'on', 'start', 'end', 'atan2', 'step', 'range',
  'anchored', 'smoothed', 'max_of', 'min_of',
]);
const PARAM_AGGREGATORS: ReadonlySet<string> = new Set(['topk', 'bottomk', 'count_values', 'quantile', 'limitk', 'limit_ratio']);
const MATCH_OPS: ReadonlySet<string> = new Set(['=', '!=', '=~', '!~']);

const MAX_TIMESTAMP_SECONDS = 9223372036854775807 / 1000;

class ExprParser extends DurationParser {
  parseQuery(): Expr {
    if (this.peekType() === 'EOF') {
      this.problem({ start: 0, end: 0 }, 'no expression found in input');
      throw new Abort();
    }
    const e = this.parseBinary(0);
    if (this.peek().type !== 'EOF') this.unexpected();
    return e;
  }

  parseBinary(minPrec: number): Expr {
    this.enter();
    let lhs = this.parseUnary();
    for (;;) {
      const op = this.peek();
      const prec = BINARY_PREC[op.type];
      if (prec === undefined || prec < minPrec) break;
      this.next();
      const mods = this.parseBinModifiers();
      this.enter();
      const rhs = this.parseBinary(op.type === '^' ? prec : prec + 1);
      this.leave();
      lhs = this.newBinary(op.type as BinaryOp, lhs, rhs, mods);
    }
    this.leave();
    return lhs;
  }

  parseUnary(): Expr {
    const t = this.peek();
    if (t.type !== '+' && t.type !== '-') return this.parsePostfix(this.parsePrimary());
    this.next();
    this.enter();
    const operand = this.parseBinary(POW_PREC);
    this.leave();
    if (operand.kind === 'NumberLiteral') {
      return { ...operand, value: t.type === '-' ? -operand.value : operand.value, pos: { start: t.pos, end: operand.pos.end } };
    }
    return { kind: 'UnaryExpr', type: operand.type, op: t.type, expr: operand, pos: { start: t.pos, end: operand.pos.end } };
  }

  parsePrimary(): Expr {
    const t = this.peek();
    switch (t.type) {
      case 'NUMBER':
      case 'DURATION':
        return this.numberLiteral(this.next());
      case 'STRING': {
        this.next();
        const lit: StringLiteral = { kind: 'StringLiteral', type: 'string', value: this.unquote(t), pos: { start: t.pos, end: t.end } };
        return lit;
      }
      case '(': {
        this.next();
        const inner = this.parseBinary(0);
        const close = this.expect(')');
        return { kind: 'ParenExpr', type: inner.type, expr: inner, pos: { start: t.pos, end: close.end } };
      }
      case '{':
        return this.parseVectorSelector(null);
      case 'IDENTIFIER':
        if (this.peekType(1) === '(') return this.parseCall();
        return this.parseVectorSelector(this.next());
      case 'METRIC_IDENTIFIER':
        return this.parseVectorSelector(this.next());
    }
    if (AGGREGATORS.has(t.type)) {
      const after = this.peekType(1);
      if (after === '(' || after === 'by' || after === 'without') return this.parseAggregate();
    }
    if ((t.type === 'start' || t.type === 'end' || t.type === 'step' || t.type === 'range' || t.type === 'min_of' || t.type === 'max_of') && this.peekType(1) === '(') {
      return this.parseCall();
    }
    if (KEYWORD_METRIC_NAMES.has(t.type)) return this.parseVectorSelector(this.next());
    return this.unexpected();
  }

  unquote(t: Token): string {
    try {
      return unquote(t.text);
    } catch (e) {
      if (!(e instanceof UnquoteError)) throw e;
      this.problem({ start: t.pos, end: t.end }, `error unquoting string ${goQuote(t.text)}: ${e.message}`);
      return '';
    }
  }

  // ---- selectors ----

  parseVectorSelector(nameTok: Token | null): VectorSelector {
    const start = nameTok ? nameTok.pos : this.peek().pos;
    let end = nameTok ? nameTok.end : start;
    let matchers: Matcher[] = [];
    if (this.peek().type === '{') {
      matchers = this.parseMatchers();
      end = this.lastClosing;
    }
    const name = nameTok ? nameTok.text : '';
    if (nameTok) matchers.push(new Matcher('=', '__name__', name));
    return {
      kind: 'VectorSelector', type: 'vector', name, matchers, offset: 0, offsetExpr: null, at: null,
      anchored: false, smoothed: false, bypassEmptyMatcherCheck: false, pos: { start, end },
    };
  }

  parseMatchers(): Matcher[] {
    this.expect('{');
    const out: Matcher[] = [];
    for (;;) {
      if (this.accept('}')) return out;
      const t = this.peek();
      if (t.type !== 'IDENTIFIER' && t.type !== 'STRING') this.unexpected('label matching', 'identifier or "}"');
      this.next();
      const name = t.type === 'STRING' ? this.unquote(t) : t.text;
      const op = this.peek();
      if (MATCH_OPS.has(op.type)) {
        this.next();
        if (this.peek().type !== 'STRING') this.unexpected('label matching', 'string');
        const v = this.next();
        const m = this.newMatcher(op.type as MatchType, name, this.unquote(v), { start: t.pos, end: v.end });
        if (m) out.push(m);
      } else if (t.type === 'STRING') {
        out.push(new Matcher('=', '__name__', name));
      } else {
        this.unexpected('label matching', 'label matching operator');
      }
      if (this.accept(',')) continue;
      if (this.accept('}')) return out;
      this.unexpected('label matching', '"," or "}"');
    }
  }

  newMatcher(type: MatchType, name: string, value: string, pos: PosRange): Matcher | null {
    try {
      return new Matcher(type, name, value);
    } catch (e) {
      this.problem(pos, e instanceof Error ? e.message : String(e));
      return null;
    }
  }

  // ---- calls and aggregations ----

  parseCallArgs(): Expr[] {
    this.expect('(');
    const args: Expr[] = [];
    if (this.accept(')')) return args;
    for (;;) {
      args.push(this.parseBinary(0));
      const comma = this.accept(',');
      if (comma) {
        if (this.peek().type === ')') {
          this.problem({ start: comma.pos, end: comma.end }, 'trailing commas not allowed in function call args');
          this.next();
          return args;
        }
        continue;
      }
      this.expect(')');
      return args;
    }
  }

  parseCall(): Call {
    const nameTok = this.next();
    const name = nameTok.text;
    let func = getFunction(name);
    if (!func) {
      this.problem({ start: nameTok.pos, end: nameTok.end }, `unknown function with name ${JSON.stringify(name)}`);
      func = { name, argTypes: [], variadic: -1, returnType: 'none', experimental: false };
    } else if (func.experimental && !this.opts.experimentalFunctions) {
      this.problem({ start: nameTok.pos, end: nameTok.end }, `function ${JSON.stringify(name)} is not enabled`);
    }
    const args = this.parseCallArgs();
    return { kind: 'Call', type: func.returnType, func: func as FunctionSignature, args, pos: { start: nameTok.pos, end: this.lastClosing } };
  }

  parseGrouping(): string[] {
    if (this.peek().type !== '(') this.unexpected('grouping opts', '"("');
    this.next();
    const labels: string[] = [];
    for (;;) {
      if (this.accept(')')) return labels;
      const t = this.peek();
      if (t.type === 'STRING') {
        this.next();
        const v = this.unquote(t);
        if (v === '' || !isValidUtf8(v)) this.problem({ start: t.pos, end: t.end }, `invalid label name for grouping: ${goQuote(v)}`);
        labels.push(v);
      } else if (t.type === 'IDENTIFIER' || t.type === 'METRIC_IDENTIFIER' || KEYWORD_LABEL_NAMES.has(t.type)) {
        this.next();
        labels.push(t.text);
      } else {
        this.unexpected('grouping opts', 'label');
      }
      if (this.accept(',')) continue;
      if (this.accept(')')) return labels;
      this.unexpected('grouping opts', '"," or ")"');
    }
  }

  parseAggregate(): AggregateExpr {
    const opTok = this.next();
    let grouping: string[] = [];
    let without = false;
    let modified = false;
    const mod = this.peek().type;
    if (mod === 'by' || mod === 'without') {
      this.next();
      grouping = this.parseGrouping();
      without = mod === 'without';
      modified = true;
    }
    if (this.peek().type !== '(') this.unexpected('aggregation');
    const args = this.parseCallArgs();
    const post = this.peek().type;
    if (!modified && (post === 'by' || post === 'without')) {
      this.next();
      grouping = this.parseGrouping();
      without = post === 'without';
    }
    const op = opTok.type as AggregateOp;
    const pos = { start: opTok.pos, end: this.lastClosing };
    const agg: AggregateExpr = { kind: 'AggregateExpr', type: 'vector', op, expr: placeholder(pos), param: null, grouping, without, pos };
    if (args.length === 0) {
      this.problem(pos, 'no arguments for aggregate expression provided');
      return agg;
    }
    let want = 1;
    if (PARAM_AGGREGATORS.has(op)) {
      if ((op === 'limitk' || op === 'limit_ratio') && !this.opts.experimentalFunctions) {
        this.problem(pos, `${op}() is experimental and must be enabled with --enable-feature=promql-experimental-functions`);
        return agg;
      }
      want = 2;
      agg.param = args[0];
    }
    if (args.length !== want) {
      this.problem(pos, `wrong number of arguments for aggregate expression provided, expected ${want}, got ${args.length}`);
      return agg;
    }
    agg.expr = args[want - 1];
    return agg;
  }

  // ---- binary operators ----

  parseBinModifiers(): { returnBool: boolean; matching: VectorMatching; fillSeen: boolean } {
    const returnBool = this.accept('bool') !== null;
    const matching: VectorMatching = { card: 'one-to-one', on: false, labels: [], include: [], fill: { lhs: null, rhs: null } };
    const t = this.peek().type;
    if (t === 'on' || t === 'ignoring') {
      this.next();
      matching.on = t === 'on';
      matching.labels = this.parseGrouping();
      const g = this.peek().type;
      if (g === 'group_left' || g === 'group_right') {
        this.next();
        matching.card = g === 'group_left' ? 'many-to-one' : 'one-to-many';
        if (this.peek().type === '(') matching.include = this.parseGrouping();
      }
    }
    let fillSeen = false;
    const f = this.peek().type;
    if (f === 'fill') {
      this.next();
      const v = this.parseFillValue();
      matching.fill = { lhs: v, rhs: v };
      fillSeen = true;
    } else if (f === 'fill_left' || f === 'fill_right') {
      this.next();
      const v = this.parseFillValue();
      if (f === 'fill_left') matching.fill.lhs = v;
      else matching.fill.rhs = v;
      const other = f === 'fill_left' ? 'fill_right' : 'fill_left';
      if (this.accept(other)) {
        const w = this.parseFillValue();
        if (other === 'fill_left') matching.fill.lhs = w;
        else matching.fill.rhs = w;
      }
      fillSeen = true;
    }
    return { returnBool, matching, fillSeen };
  }

  parseFillValue(): number {
    this.expect('(');
    let sign = 1;
    const s = this.peek().type;
    if (s === '+' || s === '-') {
      this.next();
      if (s === '-') sign = -1;
    }
    const t = this.peek();
    if (t.type !== 'NUMBER' && t.type !== 'DURATION') this.unexpected();
    const v = this.numberLiteral(this.next()).value * sign;
    this.expect(')');
    return v;
  }

  newBinary(op: BinaryOp, lhs: Expr, rhs: Expr, mods: { returnBool: boolean; matching: VectorMatching; fillSeen: boolean }): BinaryExpr {
    const pos = { start: lhs.pos.start, end: rhs.pos.end };
    if (mods.fillSeen && !this.opts.binopFill) this.problem(pos, 'binop fill modifiers are experimental and not enabled');
    const type = lhs.type === 'scalar' && rhs.type === 'scalar' ? 'scalar' : 'vector';
    return { kind: 'BinaryExpr', type, op, lhs, rhs, matching: mods.matching, returnBool: mods.returnBool, pos };
  }

  // ---- postfix modifiers ----

  parsePostfix(e: Expr): Expr {
    for (;;) {
      const t = this.peek();
      switch (t.type) {
        case '[':
          e = this.parseRangeOrSubquery(e);
          break;
        case 'offset': {
          this.next();
          this.applyOffset(e, this.parseOffsetOperand());
          break;
        }
        case '@': {
          this.next();
          this.applyAt(e, this.parseAtOperand());
          break;
        }
        case 'anchored':
        case 'smoothed':
          this.next();
          this.applyExtended(e, t.type);
          break;
        default:
          return e;
      }
    }
  }

  parseRangeOrSubquery(e: Expr): Expr {
    const open = this.next();
    if (!this.isDurationStart()) this.unexpected('subquery or range selector', 'number, duration, step(), or range()');
    const range = this.parsePositiveDuration();
    const t = this.peek();
    if (t.type === ']') {
      const close = this.next();
      let msg = '';
      if (e.kind !== 'VectorSelector') msg = 'ranges only allowed for vector selectors';
      else if (e.offset !== 0 || e.offsetExpr) msg = 'no offset modifiers allowed before range';
      else if (e.at !== null) msg = 'no @ modifiers allowed before range';
      if (msg) this.problem({ start: open.pos, end: close.end }, msg);
      const ms: MatrixSelector = {
        kind: 'MatrixSelector', type: 'matrix', vector: e.kind === 'VectorSelector' ? e : placeholderSelector(e.pos),
        ...this.durationFields(range), pos: { start: e.pos.start, end: close.end },
      };
      return ms;
    }
    if (t.type !== ':') this.unexpected('subquery or range', '":" or "]"');
    this.next();
    let step: DurationNode | null = null;
    if (this.peek().type !== ']') {
      if (!this.isDurationStart()) this.unexpected('subquery selector', 'number, duration, step(), range(), or "]"');
      step = this.parsePositiveDuration();
      if (this.peek().type !== ']') this.unexpected('subquery selector', '"]"');
    }
    const close = this.next();
    const r = this.durationFields(range);
    const s = step ? this.durationFields(step) : { range: 0, rangeExpr: null };
    const sq: SubqueryExpr = {
      kind: 'SubqueryExpr', type: 'matrix', expr: e, range: r.range, rangeExpr: r.rangeExpr, step: s.range,
      stepExpr: s.rangeExpr, offset: 0, offsetExpr: null, at: null, pos: { start: e.pos.start, end: close.end },
    };
    return sq;
  }

  durationFields(d: DurationNode): { range: number; rangeExpr: MatrixSelector['rangeExpr'] } {
    return d.kind === 'NumberLiteral' ? { range: literalMs(d.value), rangeExpr: null } : { range: 0, rangeExpr: d };
  }

  applyOffset(e: Expr, d: DurationNode): void {
    let target: VectorSelector | SubqueryExpr;
    if (e.kind === 'VectorSelector' || e.kind === 'SubqueryExpr') target = e;
    else if (e.kind === 'MatrixSelector') target = e.vector;
    else {
      this.problem(e.pos, 'offset modifier must be preceded by an instant vector selector or range vector selector or a subquery');
      return;
    }
    if (target.offset !== 0 || target.offsetExpr) {
      this.problem(e.pos, 'offset may not be set multiple times');
    } else if (d.kind === 'NumberLiteral') {
      target.offset = literalMs(d.value);
    } else {
      target.offsetExpr = d;
    }
    e.pos.end = this.lastClosing;
  }

  applyAt(e: Expr, at: number | 'start' | 'end'): void {
    if (typeof at === 'number' && (!Number.isFinite(at) || at >= MAX_TIMESTAMP_SECONDS || at <= -MAX_TIMESTAMP_SECONDS)) {
      this.problem(e.pos, `timestamp out of bounds for @ modifier: ${goFloatF(at)}`);
    }
    let target: VectorSelector | SubqueryExpr;
    if (e.kind === 'VectorSelector' || e.kind === 'SubqueryExpr') target = e;
    else if (e.kind === 'MatrixSelector') target = e.vector;
    else {
      this.problem(e.pos, '@ modifier must be preceded by an instant vector selector or range vector selector or a subquery');
      return;
    }
    if (target.at !== null) {
      this.problem(e.pos, '@ <timestamp> may not be set multiple times');
      return;
    }
    target.at = typeof at === 'number' ? goRound(at * 1000) + 0 : at;
    e.pos.end = this.lastClosing;
  }

  applyExtended(e: Expr, which: 'anchored' | 'smoothed'): void {
    if (!this.opts.extendedRangeSelectors) {
      this.problem(e.pos, `${which} modifier is experimental and not enabled`);
      return;
    }
    let vs: VectorSelector;
    if (e.kind === 'VectorSelector') vs = e;
    else if (e.kind === 'MatrixSelector') vs = e.vector;
    else {
      this.problem(e.pos, e.kind === 'SubqueryExpr' ? `${which} modifier is not supported for subqueries` : `${which} modifier not implemented`);
      return;
    }
    vs[which] = true;
    if (vs.anchored && vs.smoothed) this.problem(e.pos, 'anchored and smoothed modifiers cannot be used together');
  }
}

/** goRound: Go's math.Round (halves away from zero; JavaScript's Math.round rounds them up). */
function goRound(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/**
 * literalMs: a literal range, step or offset in seconds as the engine uses it, in whole ms.
 * Prometheus rounds the literal to nanoseconds (time.Duration) and the engine truncates that to
 * milliseconds, so `foo[1.0006]` is 1000ms and `offset 0.0015` 1ms, not 1001ms and 2ms.
 */
function literalMs(seconds: number): number {
  return Math.trunc(goRound(seconds * 1e9) / 1e6) + 0;
}

/** goFloatF prints a number as Go's `%f` does (NaN, +Inf, -Inf, or six decimals). */
function goFloatF(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return v.toFixed(6);
}

/** placeholder stands in for a missing operand after an error has been recorded. */
function placeholder(pos: PosRange): NumberLiteral {
  return { kind: 'NumberLiteral', type: 'scalar', value: 0, duration: false, pos: { ...pos } };
}

function placeholderSelector(pos: PosRange): VectorSelector {
  return {
    kind: 'VectorSelector', type: 'vector', name: '', matchers: [], offset: 0, offsetExpr: null, at: null,
    anchored: false, smoothed: false, bypassEmptyMatcherCheck: true, pos: { ...pos },
  };
}

/**
 * parseExpr parses a PromQL query into a type-checked AST. Throws ParseError (never anything
 * else for bad input) listing every problem found, the first one in its message.
 */
export function parseExpr(query: string, opts: ParseOptions = {}): Expr {
  const p = new ExprParser(query, opts);
  let expr: Expr | null = null;
  try {
    expr = p.parseQuery();
  } catch (e) {
    if (!(e instanceof Abort)) throw e;
  }
  if (expr && p.problems.length === 0) checkAST(expr, query, p.problems);
  if (p.problems.length > 0 || !expr) throw new ParseError(query, p.problems);
  return expr;
}

/**
 * parseMetricSelector parses a series selector such as `up{job="x"}` (as `match[]` of the HTTP
 * API takes) into its matchers. Throws ParseError for anything that is not a lone selector.
 */
export function parseMetricSelector(query: string): Matcher[] {
  const p = new ExprParser(query, {});
  let vs: VectorSelector | null = null;
  try {
    const t = p.peek();
    if (t.type === '{') vs = p.parseVectorSelector(null);
    else if (t.type === 'IDENTIFIER' || t.type === 'METRIC_IDENTIFIER' || KEYWORD_METRIC_NAMES.has(t.type)) vs = p.parseVectorSelector(p.next());
    else p.unexpected();
    if (p.peek().type !== 'EOF') p.unexpected();
  } catch (e) {
    if (!(e instanceof Abort)) throw e;
  }
  if (vs && p.problems.length === 0) checkAST(vs, query, p.problems);
  if (p.problems.length > 0 || !vs) throw new ParseError(query, p.problems);
  return vs.matchers;
}

export type { MatchCardinality };
