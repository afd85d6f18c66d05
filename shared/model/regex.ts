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
  let flags = 's';
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
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
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
      out += c + n;
      i++;
      continue;
    }
    if (c === '(' && src.startsWith('(?P<', i)) { out += '(?<'; i += 3; continue; }
    if (c === '(' && /^\(\?[imsU]+\)/.test(src.slice(i))) {
      throw new RegexError(expr, 'flag groups are only supported at the start of the expression');
    }
    if (c === '[' && src.startsWith('[[:', i)) {
      const m = /^\[\[:(\^?)([a-z]+):\]\]/.exec(src.slice(i));
      const cls = m && POSIX[m[2]];
      if (m && cls) { out += `[${m[1]}${cls}]`; i += m[0].length - 1; continue; }
    }
    out += c;
  }
  return { source: out, flags };
}

const POSIX: Record<string, string> = {
  alnum: '0-9A-Za-z', alpha: 'A-Za-z', ascii: '\\x00-\\x7F', blank: '\\t ', cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9', graph: '!-~', lower: 'a-z', print: ' -~', punct: '!-\\/:-@[-`{-~', space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z', word: '0-9A-Za-z_', xdigit: '0-9A-Fa-f',
};
