/**
 * PromQL lexer: turns a query into tokens with the same context rules as Prometheus' lexer.
 * Inside `{...}` keywords are plain identifiers; inside `[...]` only numbers, durations,
 * arithmetic and `step()`/`range()`/`min_of()`/`max_of()` are allowed; `fill`, `fill_left` and
 * `fill_right` are keywords only when a `(` follows. Lexing stops at the first error, which is
 * returned as an ERROR token carrying Prometheus' message; the parser reports it when it gets
 * there, so earlier syntax errors win as they do in Prometheus.
 */
import { goQuoteRune, goRuneU } from './gostr.ts';

export type TokenType =
  | 'EOF' | 'ERROR' | 'IDENTIFIER' | 'METRIC_IDENTIFIER' | 'NUMBER' | 'DURATION' | 'STRING'
  | '(' | ')' | '{' | '}' | '[' | ']' | ',' | '=' | ':'
  | '+' | '-' | '*' | '/' | '%' | '^' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '</' | '>/' | '=~' | '!~' | '@'
  | Keyword;

export type Keyword =
  | 'and' | 'or' | 'unless' | 'atan2'
  | 'sum' | 'avg' | 'count' | 'min' | 'max' | 'group' | 'stddev' | 'stdvar' | 'topk' | 'bottomk'
  | 'count_values' | 'quantile' | 'limitk' | 'limit_ratio'
  | 'offset' | 'smoothed' | 'anchored' | 'by' | 'without' | 'on' | 'ignoring' | 'group_left'
  | 'group_right' | 'fill' | 'fill_left' | 'fill_right' | 'bool'
  | 'start' | 'end' | 'step' | 'range' | 'max_of' | 'min_of';

/** Token: one lexed item. `text` is the source text; for ERROR it is the message. */
export interface Token {
  type: TokenType;
  pos: number;
  text: string;
  /** end: where the token ends; for ERROR the end of the input, as Prometheus reports it. */
  end: number;
}

export const OPERATOR_KEYWORDS: ReadonlySet<string> = new Set(['and', 'or', 'unless', 'atan2']);
export const AGGREGATORS: ReadonlySet<string> = new Set([
  'sum', 'avg', 'count', 'min', 'max', 'group', 'stddev', 'stdvar', 'topk', 'bottomk',
  'count_values', 'quantile', 'limitk', 'limit_ratio',
]);
export const MODIFIER_KEYWORDS: ReadonlySet<string> = new Set([
  'offset', 'smoothed', 'anchored', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right',
  'fill', 'fill_left', 'fill_right', 'bool',
]);
const PREPROCESSORS: ReadonlySet<string> = new Set(['start', 'end', 'step', 'range', 'max_of', 'min_of']);
const DURATION_KEYWORDS: ReadonlySet<string> = new Set(['step', 'range', 'max_of', 'min_of']);
const SYMBOL_OPERATORS: ReadonlySet<string> = new Set([
  '+', '-', '*', '/', '%', '^', '==', '!=', '<', '<=', '>', '>=', '</', '>/', '=~', '!~', '@',
]);

/** describeToken names a token in an "unexpected …" message, as Prometheus' Item.desc does. */
export function describeToken(t: Token): string {
  switch (t.type) {
    case 'EOF':
      return 'end of input';
    case 'IDENTIFIER':
      return `identifier ${JSON.stringify(t.text)}`;
    case 'METRIC_IDENTIFIER':
      return `metric identifier ${JSON.stringify(t.text)}`;
    case 'NUMBER':
      return `number ${shortQuote(t.text)}`;
    case 'DURATION':
      return `duration ${shortQuote(t.text)}`;
    case 'STRING':
      return `string ${shortQuote(t.text)}`;
  }
  if (SYMBOL_OPERATORS.has(t.type) || OPERATOR_KEYWORDS.has(t.type)) return `<op:${t.text}>`;
  if (AGGREGATORS.has(t.type)) return `<aggr:${t.text}>`;
  if (MODIFIER_KEYWORDS.has(t.type)) return `<${t.text}>`;
  return JSON.stringify(t.text);
}

function shortQuote(s: string): string {
  const cps = [...s];
  return cps.length > 10 ? JSON.stringify(cps.slice(0, 10).join('')) + '...' : JSON.stringify(s);
}

const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r';
const isDigit = (c: string) => c >= '0' && c <= '9';
const isAlpha = (c: string) => c === '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
const isAlnum = (c: string) => isAlpha(c) || isDigit(c);

class LexStop extends Error {}

/** Lexer state and the token list it produces. */
class Lexer {
  readonly input: string;
  pos = 0;
  start = 0;
  parenDepth = 0;
  braceOpen = false;
  bracketOpen = false;
  gotColon = false;
  gotDuration = false;
  readonly tokens: Token[] = [];

  constructor(input: string) {
    this.input = input;
  }

  peek(off = 0): string {
    return this.input[this.pos + off] ?? '';
  }
  cpAt(i: number): number {
    return this.input.codePointAt(i) ?? -1;
  }
  emit(type: TokenType): void {
    this.tokens.push({ type, pos: this.start, text: this.input.slice(this.start, this.pos), end: this.pos });
    this.start = this.pos;
  }
  fail(msg: string): never {
    this.tokens.push({ type: 'ERROR', pos: this.start, text: msg, end: this.input.length });
    throw new LexStop();
  }
  skipSpaces(): void {
    while (isSpace(this.peek())) this.pos++;
    this.start = this.pos;
  }

  run(): Token[] {
    try {
      for (;;) {
        if (this.braceOpen) this.lexInsideBraces();
        else if (this.bracketOpen && !this.inStatementsMode) this.lexDurationExpr();
        else if (this.lexStatement()) break;
      }
    } catch (e) {
      if (!(e instanceof LexStop)) throw e;
    }
    return this.tokens;
  }

  /** inStatementsMode: inside brackets, lexing switches to statements after the first number. */
  inStatementsMode = false;

  /** lexStatement lexes one top-level item; returns true at the end of input. */
  lexStatement(): boolean {
    const c = this.peek();
    if (c === '#') {
      this.lineComment();
      return false;
    }
    if (c === '') {
      if (this.parenDepth !== 0) this.fail('unclosed left parenthesis');
      if (this.bracketOpen) this.fail('unclosed left bracket');
      this.emit('EOF');
      return true;
    }
    this.pos++;
    switch (c) {
      case ',': this.emit(','); return false;
      case '*': this.emit('*'); return false;
      case '/': this.emit('/'); return false;
      case '%': this.emit('%'); return false;
      case '+': this.emit('+'); return false;
      case '-': this.emit('-'); return false;
      case '^': this.emit('^'); return false;
      case '@': this.emit('@'); return false;
      case '=':
        if (this.peek() === '=') {
          this.pos++;
          this.emit('==');
        } else if (this.peek() === '~') {
          this.fail(`unexpected character after '=': ${goQuoteRune(0x7e)}`);
        } else this.emit('=');
        return false;
      case '!': {
        const n = this.peek();
        this.pos++;
        if (n !== '=') this.fail(`unexpected character after '!': ${goQuoteRune(n === '' ? -1 : this.cpAt(this.pos - 1))}`);
        this.emit('!=');
        return false;
      }
      case '<':
      case '>': {
        const n = this.peek();
        if (n === '=' || n === '/') {
          this.pos++;
          this.emit((c + n) as TokenType);
        } else this.emit(c);
        return false;
      }
      case '"':
      case "'":
        this.lexString(c);
        return false;
      case '`':
        this.lexRawString();
        return false;
      case '(':
        this.emit('(');
        this.parenDepth++;
        return false;
      case ')':
        this.emit(')');
        this.parenDepth--;
        // Prometheus replaces the parenthesis token by the error, positioned after it.
        if (this.parenDepth < 0) this.tokens.pop(), this.fail(`unexpected right parenthesis ${goQuoteRune(0x29)}`);
        return false;
      case '{':
        this.emit('{');
        this.braceOpen = true;
        return false;
      case '[':
        if (this.bracketOpen) this.fail(`unexpected left bracket ${goQuoteRune(0x5b)}`);
        this.gotColon = false;
        this.emit('[');
        this.skipSpaces();
        this.bracketOpen = true;
        this.inStatementsMode = false;
        return false;
      case ']':
        if (!this.bracketOpen) this.fail(`unexpected right bracket ${goQuoteRune(0x5d)}`);
        this.emit(']');
        this.bracketOpen = false;
        return false;
    }
    if (isSpace(c)) {
      this.skipSpaces();
      return false;
    }
    if (isDigit(c) || (c === '.' && isDigit(this.peek()))) {
      this.pos--;
      this.lexNumberOrDuration();
      return false;
    }
    if (isAlpha(c) || c === ':') {
      if (!this.bracketOpen) {
        this.pos--;
        this.lexKeywordOrIdentifier();
        return false;
      }
      if (c === ':') {
        if (this.gotColon) this.fail(`unexpected colon ${goQuoteRune(0x3a)}`);
        this.emit(':');
        this.gotColon = true;
        return false;
      }
      if (DURATION_KEYWORDS_START.has(c.toLowerCase()) && this.scanDurationKeyword()) return false;
      this.fail(`unexpected character: ${goQuoteRune(c.codePointAt(0)!)}, expected ${goQuoteRune(0x3a)}`);
    }
    this.pos--;
    this.fail(`unexpected character: ${goQuoteRune(this.cpAt(this.pos))}`);
  }

  lineComment(): void {
    while (this.pos < this.input.length && this.peek() !== '\n' && this.peek() !== '\r') this.pos++;
    this.start = this.pos;
  }

  lexInsideBraces(): void {
    const c = this.peek();
    if (c === '#') {
      this.lineComment();
      return;
    }
    if (c === '') this.fail('unexpected end of input inside braces');
    this.pos++;
    if (isSpace(c)) {
      this.skipSpaces();
      return;
    }
    if (isAlpha(c)) {
      while (isAlnum(this.peek())) this.pos++;
      this.emit('IDENTIFIER');
      return;
    }
    switch (c) {
      case ',': this.emit(','); return;
      case '"':
      case "'":
        this.lexString(c);
        return;
      case '`':
        this.lexRawString();
        return;
      case '=':
        if (this.peek() === '~') {
          this.pos++;
          this.emit('=~');
        } else this.emit('=');
        return;
      case '!': {
        const n = this.peek();
        this.pos++;
        if (n === '~') this.emit('!~');
        else if (n === '=') this.emit('!=');
        else this.fail(`unexpected character after '!' inside braces: ${goQuoteRune(n === '' ? -1 : this.cpAt(this.pos - 1))}`);
        return;
      }
      case '{':
        this.fail(`unexpected left brace ${goQuoteRune(0x7b)}`);
      // falls through (fail never returns)
      case '}':
        this.emit('}');
        this.braceOpen = false;
        return;
    }
    this.pos--;
    this.fail(`unexpected character inside braces: ${goQuoteRune(this.cpAt(this.pos))}`);
  }

  lexDurationExpr(): void {
    const c = this.peek();
    if (c === '') this.fail('unexpected end of input in duration expression');
    this.pos++;
    switch (c) {
      case ']':
        this.emit(']');
        this.bracketOpen = false;
        this.gotColon = false;
        return;
      case ':':
        this.emit(':');
        // Prometheus replaces the colon token by the error, positioned after the colon.
        if (!this.gotDuration) this.tokens.pop(), this.fail('unexpected colon before duration in duration expression');
        if (this.gotColon) this.tokens.pop(), this.fail('unexpected repeated colon in duration expression');
        this.gotColon = true;
        return;
      case '(':
        this.emit('(');
        this.parenDepth++;
        return;
      case ')':
        this.emit(')');
        this.parenDepth--;
        // Prometheus replaces the parenthesis token by the error, positioned after it.
        if (this.parenDepth < 0) this.tokens.pop(), this.fail(`unexpected right parenthesis ${goQuoteRune(0x29)}`);
        return;
      case '+': case '-': case '*': case '/': case '%': case '^': case ',':
        this.emit(c);
        return;
    }
    if (isSpace(c)) {
      this.skipSpaces();
      return;
    }
    if (DURATION_KEYWORDS_START.has(c.toLowerCase())) {
      if (this.scanDurationKeyword()) return;
      this.fail(`unexpected character in duration expression: ${goQuoteRune(c.codePointAt(0)!)}`);
    }
    if (isDigit(c) || (c === '.' && isDigit(this.peek()))) {
      this.pos--;
      this.gotDuration = true;
      this.lexNumberOrDuration();
      this.inStatementsMode = true;
      return;
    }
    this.pos--;
    this.fail(`unexpected character in duration expression: ${goQuoteRune(this.cpAt(this.pos))}`);
  }

  /** scanDurationKeyword reads a word starting at start; emits it if it is a duration keyword. */
  scanDurationKeyword(): boolean {
    this.pos = this.start;
    while (isAlpha(this.peek())) this.pos++;
    const word = this.input.slice(this.start, this.pos).toLowerCase();
    if (DURATION_KEYWORDS.has(word)) {
      this.emit(word as TokenType);
      return true;
    }
    return false;
  }

  lexString(q: string): void {
    for (;;) {
      const c = this.peek();
      if (c === '' || c === '\n') this.fail('unterminated quoted string');
      this.pos++;
      if (c === '\\') {
        this.lexEscape(q);
        continue;
      }
      const code = c.charCodeAt(0);
      if (code >= 0xd800 && code < 0xe000) {
        const next = this.input.charCodeAt(this.pos);
        if (code < 0xdc00 && next >= 0xdc00 && next < 0xe000) this.pos++;
        else this.fail('invalid UTF-8 rune');
      }
      if (c === '\uFFFD') this.fail('invalid UTF-8 rune');
      if (c === q) break;
    }
    this.emit('STRING');
  }

  lexEscape(q: string): void {
    const ch = this.peek();
    if (ch === '') this.fail('escape sequence not terminated');
    this.pos++;
    let n = 0;
    let base = 0;
    let max = 0;
    let cur: string;
    if ('abfnrtv\\'.includes(ch) || ch === q) return;
    if (ch >= '0' && ch <= '7') {
      [n, base, max] = [3, 8, 255];
      cur = ch;
    } else if (ch === 'x' || ch === 'u' || ch === 'U') {
      [n, base, max] = ch === 'x' ? [2, 16, 255] : ch === 'u' ? [4, 16, 0x10ffff] : [8, 16, 0x10ffff];
      cur = this.peek();
      if (cur !== '') this.pos++;
    } else {
      this.fail(`unknown escape sequence ${goRuneU(this.cpAt(this.pos - 1))}`);
    }
    let x = 0;
    while (n > 0) {
      const d = digitVal(cur);
      if (d >= base) {
        if (cur === '') this.fail('escape sequence not terminated');
        this.fail(`illegal character ${goRuneU(cur.codePointAt(0)!)} in escape sequence`);
      }
      x = x * base + d;
      n--;
      if (n > 0) {
        cur = this.peek();
        if (cur !== '') this.pos++;
      }
    }
    if (x > max || (x >= 0xd800 && x < 0xe000)) this.fail('escape sequence is an invalid Unicode code point');
  }

  lexRawString(): void {
    for (;;) {
      const c = this.peek();
      if (c === '') this.fail('unterminated raw string');
      this.pos++;
      const code = c.charCodeAt(0);
      if (code >= 0xd800 && code < 0xe000) {
        const next = this.input.charCodeAt(this.pos);
        if (code < 0xdc00 && next >= 0xdc00 && next < 0xe000) this.pos++;
        else this.fail('invalid UTF-8 rune');
      }
      if (c === '`') break;
    }
    this.emit('STRING');
  }

  lexNumberOrDuration(): void {
    if (this.scanNumber()) {
      this.emit('NUMBER');
      return;
    }
    if (this.acceptRemainingDuration()) {
      this.pos--;
      this.emit('DURATION');
      return;
    }
    this.fail(`bad number or duration syntax: ${JSON.stringify(this.input.slice(this.start, this.pos))}`);
  }

  accept(valid: string): boolean {
    const c = this.peek();
    if (c !== '' && valid.includes(c)) {
      this.pos++;
      return true;
    }
    return false;
  }

  acceptRemainingDuration(): boolean {
    if (!this.accept('smhdwy')) return false;
    this.accept('s');
    while (this.accept('0123456789')) {
      while (this.accept('0123456789'));
      if (!this.accept('smhdw')) return false;
      this.accept('s');
    }
    const c = this.peek();
    this.pos++; // Prometheus reads one rune past the duration, then backs up.
    return !isAlnum(c);
  }

  /** scanNumber follows Prometheus' scanner: it accepts loosely; the parser validates. */
  scanNumber(): boolean {
    const initial = this.pos;
    let digits = '0123456789';
    if (this.peek() === '0' && (this.peek(1) === 'x' || this.peek(1) === 'X')) {
      this.pos += 2;
      this.accept('_');
      digits = '0123456789abcdefABCDEF';
    }
    const is = (set: string) => this.peek() !== '' && set.includes(this.peek());
    this.accept('.');
    this.accept(digits);
    let dot = false;
    let exp = false;
    while (is(digits + '._eE')) {
      if (is('.') && dot) {
        this.accept('.');
        return false;
      }
      if (is('eE') && exp) {
        this.accept('eE');
        return false;
      }
      if (this.accept('.')) {
        dot = true;
        if (this.accept('_.')) return false;
        if (digits.length > 10) return false;
        continue;
      }
      if (this.accept('eE')) {
        exp = true;
        this.accept('+-');
        if (this.accept('._eE') || this.peek() === '') return false;
        continue;
      }
      if (this.accept('_')) {
        if (this.accept('._eE') || this.peek() === '') return false;
        continue;
      }
      while (this.accept(digits));
    }
    if (this.pos === initial) return false;
    return !isAlnum(this.peek());
  }

  lexKeywordOrIdentifier(): void {
    while (isAlnum(this.peek()) || this.peek() === ':') this.pos++;
    const word = this.input.slice(this.start, this.pos);
    const kw = word.toLowerCase();
    if (kw === 'inf' || kw === 'nan') {
      this.emit('NUMBER');
    } else if (OPERATOR_KEYWORDS.has(kw) || AGGREGATORS.has(kw) || MODIFIER_KEYWORDS.has(kw) || PREPROCESSORS.has(kw)) {
      if ((kw === 'fill' || kw === 'fill_left' || kw === 'fill_right') && !this.followedByParen()) this.emit('IDENTIFIER');
      else this.emit(kw as TokenType);
    } else if (word.includes(':')) {
      this.emit('METRIC_IDENTIFIER');
    } else {
      this.emit('IDENTIFIER');
    }
  }

  followedByParen(): boolean {
    let i = this.pos;
    while (i < this.input.length && isSpace(this.input[i])) i++;
    return this.input[i] === '(';
  }
}

const DURATION_KEYWORDS_START: ReadonlySet<string> = new Set([...DURATION_KEYWORDS].map((k) => k[0]));

function digitVal(c: string): number {
  if (c >= '0' && c <= '9') return c.charCodeAt(0) - 48;
  if (c >= 'a' && c <= 'f') return c.charCodeAt(0) - 87;
  if (c >= 'A' && c <= 'F') return c.charCodeAt(0) - 55;
  return 16;
}

/** lex returns the tokens of `input`, ending with EOF or with the first ERROR. */
export function lex(input: string): Token[] {
  return new Lexer(input).run();
}
