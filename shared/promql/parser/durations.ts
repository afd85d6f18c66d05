/**
 * The duration part of the PromQL grammar: number and duration literals, duration expressions
 * inside `[...]` (`5m+step()*2`, `min_of(range(), 1h)`), the operand of `offset` (a signed
 * literal, `step()`, `range()`, `min_of`/`max_of(...)` or a parenthesised duration expression,
 * so `x offset 1m + 2` adds 2 to the offset series) and the operand of `@`.
 */
import type { DurationExpr, DurationNode, DurationOp, NumberLiteral, PosRange } from '../ast.ts';
import { Cursor } from './cursor.ts';
import type { Token, TokenType } from './lexer.ts';
import { DurationSyntaxError, NumberSyntaxError, parseDuration, parseNumber } from './numbers.ts';

/** The largest duration in seconds that Go's time.Duration holds. */
const MAX_DURATION_SECONDS = 2 ** 63 / 1e9;

const DURATION_PREC: Partial<Record<TokenType, number>> = { '+': 1, '-': 1, '*': 2, '/': 2, '%': 2, '^': 3 };
const UNARY_PREC = 3; // Unary minus binds like `*`: only `^` binds tighter.

const DURATION_START: ReadonlySet<TokenType> = new Set<TokenType>([
  'NUMBER', 'DURATION', 'step', 'range', 'min_of', 'max_of', '(', '+', '-',
]);

export class DurationParser extends Cursor {
  /** numberLiteral turns a NUMBER or DURATION token into a literal (seconds). */
  numberLiteral(t: Token): NumberLiteral {
    const pos = { start: t.pos, end: t.end };
    if (t.type === 'DURATION') {
      let ms = 0;
      try {
        ms = parseDuration(t.text);
      } catch (e) {
        if (!(e instanceof DurationSyntaxError)) throw e;
        this.problem(pos, e.message);
      }
      return { kind: 'NumberLiteral', type: 'scalar', value: ms / 1000, duration: true, pos };
    }
    let value = 0;
    try {
      value = parseNumber(t.text);
    } catch (e) {
      if (!(e instanceof NumberSyntaxError)) throw e;
      this.problem(pos, `error parsing number: ${e.message}`);
    }
    return { kind: 'NumberLiteral', type: 'scalar', value, duration: false, pos };
  }

  isDurationStart(): boolean {
    return DURATION_START.has(this.peekType());
  }

  /** experimental reports a duration expression when the feature is off. */
  experimental(e: DurationNode): void {
    if (!this.opts.durationExpressions) this.problem(e.pos, 'experimental duration expression is not enabled');
  }

  /** checkedLiteral applies Prometheus' range check to a literal used as a duration. */
  checkedLiteral(nl: NumberLiteral): NumberLiteral {
    if (nl.value > MAX_DURATION_SECONDS || nl.value < -MAX_DURATION_SECONDS) {
      this.problem(nl.pos, 'duration out of range');
      return { ...nl, value: 0 };
    }
    return nl;
  }

  /** parseDurationExpr parses a duration expression with precedence climbing. */
  parseDurationExpr(minPrec = 0): DurationNode {
    this.enter();
    let lhs = this.parseDurationUnary();
    for (;;) {
      const op = this.peek();
      const prec = DURATION_PREC[op.type];
      if (prec === undefined || prec < minPrec) break;
      this.next();
      this.experimental(lhs);
      const rhs = this.parseDurationExpr(op.type === '^' ? prec : prec + 1);
      if ((op.type === '/' || op.type === '%') && rhs.kind === 'NumberLiteral' && rhs.value === 0) {
        this.problem({ start: op.pos, end: op.end }, op.type === '/' ? 'division by zero' : 'modulo by zero');
        lhs = { kind: 'NumberLiteral', type: 'scalar', value: 0, duration: false, pos: { start: lhs.pos.start, end: rhs.pos.end } };
        continue;
      }
      lhs = this.durationNode(op.type as DurationOp, lhs, rhs, { start: lhs.pos.start, end: rhs.pos.end });
    }
    this.leave();
    return lhs;
  }

  durationNode(op: DurationOp, lhs: DurationNode | null, rhs: DurationNode | null, pos: PosRange, wrapped = false): DurationExpr {
    return { kind: 'DurationExpr', type: 'scalar', op, lhs, rhs, wrapped, pos };
  }

  parseDurationUnary(): DurationNode {
    const t = this.peek();
    if (t.type === '+' || t.type === '-') {
      this.next();
      this.enter();
      const operand = this.parseDurationExpr(UNARY_PREC);
      this.leave();
      return this.applyUnary(t, operand, false);
    }
    return this.parseDurationAtom();
  }

  /** applyUnary applies a sign to a duration operand, folding it into a literal when it can. */
  applyUnary(op: Token, operand: DurationNode, wrapped: boolean): DurationNode {
    let e = operand;
    if (wrapped) e = this.wrap(e, e.pos);
    if (e.kind === 'DurationExpr') {
      return op.type === '-' ? this.durationNode('-', null, e, { start: op.pos, end: e.pos.end }) : e;
    }
    const value = op.type === '-' ? -e.value : e.value;
    return this.checkedLiteral({ ...e, value, pos: { start: op.pos, end: e.pos.end } });
  }

  /** wrap marks a parenthesised duration expression (a literal gets a unary `+` node). */
  wrap(e: DurationNode, pos: PosRange): DurationExpr {
    if (e.kind === 'DurationExpr') return { ...e, wrapped: true };
    return this.durationNode('+', null, e, pos, true);
  }

  /** parseDurationAtom: a literal, step(), range(), min_of/max_of(a, b) or ( expr ). */
  parseDurationAtom(context = 'subquery or range selector', expected = 'number, duration, step(), or range()'): DurationNode {
    const t = this.peek();
    if ((t.type === 'step' || t.type === 'range' || t.type === 'min_of' || t.type === 'max_of') && this.peekType(1) !== '(') {
      this.next();
      this.unexpected(context, expected);
    }
    switch (t.type) {
      case 'NUMBER':
      case 'DURATION':
        return this.checkedLiteral(this.numberLiteral(this.next()));
      case 'step':
      case 'range': {
        this.next();
        this.expect('(');
        const close = this.expect(')');
        const de = this.durationNode(t.type, null, null, { start: t.pos, end: close.end });
        this.experimental(de);
        return de;
      }
      case 'min_of':
      case 'max_of': {
        this.next();
        this.expect('(');
        const a = this.parseDurationExpr();
        this.expect(',');
        const b = this.parseDurationExpr();
        const close = this.expect(')');
        const de = this.durationNode(t.type, a, b, { start: t.pos, end: close.end });
        this.experimental(de);
        return de;
      }
      case '(': {
        this.next();
        const inner = this.parseDurationExpr();
        const close = this.expect(')');
        this.experimental(inner);
        return this.wrap(inner, { start: t.pos, end: close.end });
      }
    }
    return this.unexpected();
  }

  /** parsePositiveDuration parses a range or step; a literal must be greater than zero. */
  parsePositiveDuration(): DurationNode {
    const d = this.parseDurationExpr();
    if (d.kind === 'NumberLiteral' && d.value <= 0) {
      this.problem(d.pos, 'duration must be greater than 0');
      return { ...d, value: 0 };
    }
    return d;
  }

  /** parseOffsetOperand parses what follows `offset`: one signed duration atom. */
  parseOffsetOperand(): DurationNode {
    const first = this.peek();
    let sign: Token | null = null;
    if (first.type === '+' || first.type === '-') sign = this.next();
    const t = this.peek();
    switch (t.type) {
      case 'NUMBER':
      case 'DURATION': {
        const nl = this.numberLiteral(this.next());
        return sign ? this.applyUnary(sign, nl, false) : this.checkedLiteral(nl);
      }
      case 'step':
      case 'range':
      case 'min_of':
      case 'max_of': {
        const de = this.parseDurationAtom('offset', 'number, duration, step(), or range()');
        if (sign?.type === '-') return this.durationNode('-', null, de, { start: sign.pos, end: de.pos.end });
        return de;
      }
      case '(': {
        const inner = this.parseDurationAtom();
        return sign ? this.applyUnary(sign, inner, false) : inner;
      }
    }
    return this.unexpected('offset', 'number, duration, step(), or range()');
  }

  /** parseAtOperand parses what follows `@`: seconds (signed number or duration), start() or end(). */
  parseAtOperand(): number | 'start' | 'end' {
    const t = this.peek();
    if (t.type === 'start' || t.type === 'end') {
      this.next();
      this.expect('(');
      this.expect(')');
      return t.type;
    }
    let sign = 1;
    if (t.type === '+' || t.type === '-') {
      this.next();
      if (t.type === '-') sign = -1;
      const n = this.peek();
      if (n.type !== 'NUMBER' && n.type !== 'DURATION') this.unexpected();
    } else if (t.type !== 'NUMBER' && t.type !== 'DURATION') {
      this.unexpected('@', 'timestamp');
    }
    return sign * this.numberLiteral(this.next()).value;
  }
}
