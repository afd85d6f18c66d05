/**
 * Cursor: the token stream under the PromQL parser, with the bookkeeping every grammar part
 * shares: the problems found so far, Prometheus-style "unexpected …" syntax errors (which stop
 * parsing), the end of the last closing token (Prometheus' `lastClosing`, used to extend node
 * spans over modifiers) and the parser options.
 */
import type { PosRange } from '../ast.ts';
import type { ParseProblem } from './errors.ts';
import { describeToken, lex, type Token, type TokenType } from './lexer.ts';

/** ParseOptions: Prometheus' feature flags of the parser. All default to on, as in its tests. */
export interface ParseOptions {
  /** Experimental functions and the limitk/limit_ratio aggregations. */
  experimentalFunctions?: boolean;
  /** Arithmetic, step(), range(), min_of(), max_of() in durations. */
  durationExpressions?: boolean;
  /** The `anchored` and `smoothed` range selector modifiers. */
  extendedRangeSelectors?: boolean;
  /** The fill(), fill_left(), fill_right() binary operator modifiers. */
  binopFill?: boolean;
}

/** Abort unwinds the parser after a syntax error; the problems list already holds it. */
export class Abort extends Error {}

/** MAX_DEPTH bounds expression nesting so that no query can exhaust the stack. */
export const MAX_DEPTH = 800;

export class Cursor {
  readonly query: string;
  readonly opts: Required<ParseOptions>;
  readonly tokens: Token[];
  readonly problems: ParseProblem[] = [];
  idx = 0;
  lastClosing = 0;
  depth = 0;

  constructor(query: string, opts: ParseOptions = {}) {
    this.query = query;
    this.opts = {
      experimentalFunctions: opts.experimentalFunctions ?? true,
      durationExpressions: opts.durationExpressions ?? true,
      extendedRangeSelectors: opts.extendedRangeSelectors ?? true,
      binopFill: opts.binopFill ?? true,
    };
    this.tokens = lex(query);
  }

  /** peek returns the next token; reaching a lexer error reports it and aborts. */
  peek(): Token {
    const t = this.tokens[this.idx];
    if (t.type === 'ERROR') {
      this.problems.push({ pos: { start: t.pos, end: t.end }, message: t.text });
      throw new Abort();
    }
    return t;
  }

  /** peekType looks `ahead` tokens past the next one without reporting lexer errors. */
  peekType(ahead = 0): TokenType {
    return this.tokens[Math.min(this.idx + ahead, this.tokens.length - 1)].type;
  }

  next(): Token {
    const t = this.peek();
    if (t.type !== 'EOF') this.idx++;
    if (t.type === ')' || t.type === '}' || t.type === ']' || t.type === 'NUMBER' || t.type === 'DURATION') {
      this.lastClosing = t.end;
    }
    return t;
  }

  /** accept consumes the next token when it has type `type`. */
  accept(type: TokenType): Token | null {
    return this.peek().type === type ? this.next() : null;
  }

  /** expect consumes a token of `type`, or fails with Prometheus' "unexpected" message. */
  expect(type: TokenType, context = '', expected = ''): Token {
    if (this.peek().type !== type) this.unexpected(context, expected);
    return this.next();
  }

  problem(pos: PosRange, message: string): void {
    this.problems.push({ pos: { start: pos.start, end: pos.end }, message });
  }

  /** unexpected reports the next token as a syntax error and aborts. */
  unexpected(context = '', expected = ''): never {
    const t = this.peek();
    let msg = `unexpected ${describeToken(t)}`;
    if (context) msg += ` in ${context}`;
    if (expected) msg += `, expected ${expected}`;
    this.problems.push({ pos: { start: t.pos, end: t.end }, message: msg });
    throw new Abort();
  }

  /** enter guards recursion depth; pair every call with leave(). */
  enter(): void {
    if (++this.depth > MAX_DEPTH) {
      const t = this.tokens[this.idx];
      this.problems.push({ pos: { start: t.pos, end: t.end }, message: `expression nested more than ${MAX_DEPTH} levels deep` });
      throw new Abort();
    }
  }

  leave(): void {
    this.depth--;
  }
}
