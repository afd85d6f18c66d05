/**
 * Regular expressions in Go's RE2 syntax (as PromQL, relabeling and rules write them), compiled to
 * JavaScript RegExps with Prometheus 3 semantics: fully anchored, `.` matching newlines too.
 */

/** RegexError: an expression that is not valid RE2 or cannot be translated. */
export class RegexError extends Error {
  constructor(readonly expr: string, reason: string) {
    super(`invalid regular expression ${JSON.stringify(expr)}: ${reason}`);
    this.name = 'RegexError';
  }
}

/** compileAnchored compiles `expr` to match whole strings only. Throws RegexError. */
export function compileAnchored(expr: string): RegExp {
  const { source, flags } = translate(expr);
  try {
    return new RegExp(`^(?:${source})$`, flags);
  } catch (err) {
    throw new RegexError(expr, (err as Error).message.replace(/^Invalid regular expression: /, ''));
  }
}

/** translate rewrites the RE2 constructs JavaScript spells differently. */
function translate(expr: string): { source: string; flags: string } {
  let flags = /\\[pP]/.test(expr) ? 'su' : 's';
  let src = expr;
  // A leading flag group `(?i)` / `(?s)` / `(?is)` applies to the whole expression.
  const lead = /^\(\?([imsU]+)\)/.exec(src);
  if (lead) {
    if (lead[1].includes('i')) flags += 'i';
    if (lead[1].includes('m')) flags += 'm';
    if (lead[1].includes('U')) throw new RegexError(expr, 'the ungreedy flag (?U) is not supported');
    src = src.slice(lead[0].length);
  }
  let out = '';
  // Case-insensitivity scoped to a group (`(?i:…)`, or `(?i)` inside a group) has no JavaScript
  // spelling before V8 12.5, so letters in that scope are written as [xX] classes. `fold` is the
  // current scope's state; `scopes` the states of the enclosing groups.
  const global = flags.includes('i');
  let fold = false;
  const scopes: boolean[] = [];
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    const flagGroup = c === '(' ? /^\(\?([imsU]*)(?:-([imsU]*))?([:)])/.exec(src.slice(i)) : null;
    if (flagGroup && (flagGroup[1] || flagGroup[2])) {
      const [all, on, off = '', end] = flagGroup;
      if (/[mU]/.test(on + off) || off.includes('s')) throw new RegexError(expr, `flag group ${all} is not supported (only i and s may be scoped)`);
      const next: boolean = on.includes('i') ? true : off.includes('i') ? false : fold;
      if (end === ':') {
        scopes.push(fold);
        out += '(?:';
      }
      fold = next;
      i += all.length - 1;
      continue;
    }
    if (c === '(') { scopes.push(fold); }
    if (c === ')') { fold = scopes.pop() ?? false; }
    if (fold && !global && /[a-zA-Z]/.test(c)) {
      const lo = c.toLowerCase(), up = c.toUpperCase();
      out += `[${lo}${up}]`;
      continue;
    }
    if (c === '\\') {
      const n = src[i + 1];
      if (n === undefined) throw new RegexError(expr, 'trailing backslash');
      if (n === 'z') { out += '$(?![\\s\\S])'; i++; continue; }
      if (n === 'A') { out += '^'; i++; continue; }
      if (n === 'Q') {
        const end = src.indexOf('\\E', i + 2);
        const lit = end < 0 ? src.slice(i + 2) : src.slice(i + 2, end);
        out += lit.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
        i = end < 0 ? src.length : end + 1;
        continue;
      }
      if ((n === 'p' || n === 'P') && src[i + 2] === '{') {
        const close = src.indexOf('}', i + 3);
        if (close < 0) throw new RegexError(expr, `missing closing } in \\${n}{`);
        out += src.slice(i, close + 1); // copied whole: a scoped (?i) must not fold the class name
        i = close;
        continue;
      }
      if ((n === 'p' || n === 'P') && src[i + 2] !== undefined) {
        out += `\\${n}{${src[i + 2]}}`; // Go's one-letter class \pL is JavaScript's \p{L}
        i += 2;
        continue;
      }
      out += c + n;
      i++;
      continue;
    }
    if (c === '(' && src.startsWith('(?P<', i)) { out += '(?<'; i += 3; continue; }
    if (c === '[') {
      const end = classEnd(src, i);
      if (end < 0) throw new RegexError(expr, 'missing closing ]');
      out += translateClass(expr, src.slice(i, end + 1), fold && !global);
      i = end;
      continue;
    }
    out += c;
  }
  return { source: out, flags };
}

/**
 * classEnd returns the index of the `]` that closes the bracket expression opening at `start`
 * (RE2 rules: a `]` right after `[` or `[^` is literal; `[:name:]` is one unit), or -1.
 */
function classEnd(src: string, start: number): number {
  let i = start + 1;
  if (src[i] === '^') i++;
  if (src[i] === ']') i++;
  for (; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') { i++; continue; }
    if (c === '[' && src[i + 1] === ':') {
      const close = src.indexOf(':]', i + 2);
      if (close > 0) { i = close + 1; continue; }
    }
    if (c === ']') return i;
  }
  return -1;
}

/**
 * translateClass rewrites one bracket expression: POSIX classes, a leading literal `]`, and with
 * `fold` the other case of every letter and letter range.
 */
function translateClass(expr: string, cls: string, fold = false): string {
  const only = /^\[\[:\^([a-z]+):\]\]$/.exec(cls);
  if (only && POSIX[only[1]] !== undefined) return `[^${POSIX[only[1]]}]`;
  let i = 1;
  let out = '[';
  if (cls[i] === '^') { out += '^'; i++; }
  if (cls[i] === ']') { out += '\\]'; i++; }
  for (; i < cls.length - 1; i++) {
    const c = cls[i];
    if (c === '\\') { out += c + cls[i + 1]; i++; continue; }
    if (c === '[' && cls[i + 1] === ':') {
      const close = cls.indexOf(':]', i + 2);
      const name = close > 0 ? cls.slice(i + 2, close) : '';
      const neg = name.startsWith('^');
      const set = POSIX[neg ? name.slice(1) : name];
      if (set === undefined) throw new RegexError(expr, `invalid character class [:${name}:]`);
      if (neg) throw new RegexError(expr, `negated POSIX class [:${name}:] inside brackets is not supported`);
      out += set;
      i = close + 1;
      continue;
    }
    if (c === '[') { out += '\\['; continue; }
    if (fold && /[a-zA-Z]/.test(c)) {
      const range = cls[i + 1] === '-' && /[a-zA-Z]/.test(cls[i + 2] ?? '') ? cls[i + 2] : '';
      const lo = range ? c + '-' + range : c;
      out += lo + lo.toUpperCase() + lo.toLowerCase();
      if (range) i += 2;
      continue;
    }
    out += c;
  }
  return out + ']';
}

const POSIX: Record<string, string> = {
  alnum: '0-9A-Za-z', alpha: 'A-Za-z', ascii: '\\x00-\\x7F', blank: '\\t ', cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9', graph: '!-~', lower: 'a-z', print: ' -~', punct: '!-\\/:-@[-`{-~', space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z', word: '0-9A-Za-z_', xdigit: '0-9A-Fa-f',
};

/**
 * RegexShape: what the label index can learn from an expression without running it.
 * - `set`: the expression is exactly an alternation of literals (`a|b|c`, `(?:a|b)`, `foo`):
 *   these are its only matches, so the index looks them up instead of scanning values.
 * - `prefix`: every match starts with this literal ('' when unknown).
 * - `all`: the expression is `.*` and matches every string, '' included.
 * - `nonEmpty`: the expression is `.+` and matches every non-empty string.
 */
export interface RegexShape {
  readonly set: readonly string[] | null;
  readonly prefix: string;
  readonly all: boolean;
  readonly nonEmpty: boolean;
}

const META = new Set(['\\', '.', '+', '*', '?', '(', ')', '|', '[', ']', '{', '}', '^', '$']);
const QUANT = new Set(['*', '+', '?', '{']);

/**
 * analyzeRegex works out the RegexShape of a (valid) RE2 expression, conservatively: when in
 * doubt it reports no set and no prefix, which is always correct. Case-insensitive expressions
 * get neither.
 */
export function analyzeRegex(expr: string): RegexShape {
  let src = expr;
  const lead = /^\(\?([imsU]+)\)/.exec(src);
  if (lead) {
    if (lead[1] !== 's') return { set: null, prefix: '', all: false, nonEmpty: false };
    src = src.slice(lead[0].length);
  }
  src = unwrapGroup(src);
  if (src === '.*') return { set: null, prefix: '', all: true, nonEmpty: false };
  if (src === '.+') return { set: null, prefix: '', all: false, nonEmpty: true };
  const alts = splitTopLevel(src);
  const set: string[] = [];
  for (const alt of alts) {
    const lit = literalPrefix(unwrapGroup(alt));
    if (lit.rest !== '' || lit.quantified) { set.length = 0; break; }
    set.push(lit.text);
  }
  if (set.length === alts.length) {
    const uniq = [...new Set(set)];
    return { set: uniq, prefix: '', all: false, nonEmpty: false };
  }
  if (alts.length > 1) return { set: null, prefix: '', all: false, nonEmpty: false };
  const lit = literalPrefix(src);
  const prefix = lit.quantified ? lit.text.slice(0, lit.text.length - lit.lastLen) : lit.text;
  return { set: null, prefix, all: false, nonEmpty: false };
}

/** unwrapGroup strips `(…)` or `(?:…)` when it encloses the whole expression. */
function unwrapGroup(src: string): string {
  for (;;) {
    let open = 0;
    if (src.startsWith('(?:')) open = 3;
    else if (src.startsWith('(') && !src.startsWith('(?')) open = 1;
    else return src;
    if (closingParen(src, 0) !== src.length - 1) return src;
    src = src.slice(open, -1);
  }
}

/** closingParen returns the index of the `)` matching the `(` at `start`, or -1. */
function closingParen(src: string, start: number): number {
  let depth = 0;
  for (let i = start; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') { i++; continue; }
    if (c === '[') { i = classEnd(src, i); if (i < 0) return -1; continue; }
    if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
  }
  return -1;
}

/** splitTopLevel splits at the `|` that are outside groups and bracket expressions. */
function splitTopLevel(src: string): string[] {
  const out: string[] = [];
  let depth = 0, from = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') { i++; continue; }
    if (c === '[') { const e = classEnd(src, i); if (e < 0) return [src]; i = e; continue; }
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) { out.push(src.slice(from, i)); from = i + 1; }
  }
  out.push(src.slice(from));
  return out;
}

/**
 * literalPrefix reads literal characters from the start of `src`: plain characters and escaped
 * punctuation. `rest` is what follows, `quantified` tells whether a quantifier applies to the
 * last literal (so it is not really part of the prefix), `lastLen` is that literal's length.
 */
function literalPrefix(src: string): { text: string; rest: string; quantified: boolean; lastLen: number } {
  let text = '', lastLen = 0, i = 0;
  for (; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') {
      const n = src[i + 1];
      if (n === undefined || /[0-9A-Za-z]/.test(n)) break; // \d, \w, \b, \n…: not a plain literal
      text += n;
      lastLen = 1;
      i++;
      continue;
    }
    if (META.has(c)) break;
    const code = c.charCodeAt(0);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < src.length) {
      text += c + src[i + 1]; // a surrogate pair is one character
      lastLen = 2;
      i++;
      continue;
    }
    text += c;
    lastLen = 1;
  }
  const rest = src.slice(i);
  return { text, rest, quantified: rest !== '' && QUANT.has(rest[0]), lastLen };
}
