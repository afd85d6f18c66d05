/**
 * The lexer of Outpost's Go text/template subset: it splits a template into text and the tokens
 * of `{{ … }}` actions, with Go's trim markers (`{{- ` and ` -}}`), comments (`{{/* … *\/}}`),
 * quoted, raw and character literals, numbers, fields, variables and keywords. Positions are
 * UTF-16 offsets into the source; lines are counted on demand for messages.
 */

/** TokenKind: what a token is. 'text' is the literal text between actions. */
export type TokenKind =
  | 'text' | 'left' | 'right' | 'space' | 'ident' | 'keyword' | 'bool' | 'nil' | 'field' | 'variable'
  | 'dot' | 'number' | 'char' | 'string' | 'rawString' | 'pipe' | 'lparen' | 'rparen' | 'declare'
  | 'assign' | 'comma' | 'eof';

export interface Token {
  kind: TokenKind;
  /** The token's source text (for 'text', already trimmed by neighbouring trim markers). */
  text: string;
  pos: number;
}

const KEYWORDS = new Set(['block', 'break', 'continue', 'define', 'else', 'end', 'if', 'range', 'template', 'with']);

/** TemplateSyntaxError: a lexing or parsing problem at `pos` of the source. */
export class TemplateSyntaxError extends Error {
  constructor(
    readonly templateName: string,
    readonly line: number,
    readonly detail: string,
  ) {
    super(`template: ${templateName}:${line}: ${detail}`);
    this.name = 'TemplateSyntaxError';
  }
}

/** lineOf: the 1-based line of offset `pos` in `src`. */
export function lineOf(src: string, pos: number): number {
  let line = 1;
  for (let i = 0; i < pos && i < src.length; i++) if (src.charCodeAt(i) === 10) line++;
  return line;
}

const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isAlnum = (c: string) => /[\p{L}\p{Nd}_]/u.test(c);

/**
 * lex tokenizes `src` completely. It throws TemplateSyntaxError for unterminated actions,
 * strings and comments, and for characters that cannot start a token.
 */
export function lex(name: string, src: string): Token[] {
  const out: Token[] = [];
  const fail = (pos: number, msg: string): never => {
    throw new TemplateSyntaxError(name, lineOf(src, pos), msg);
  };
  let i = 0;
  let trimNext = false;
  while (i <= src.length) {
    const open = src.indexOf('{{', i);
    let textEnd = open < 0 ? src.length : open;
    let text = src.slice(i, textEnd);
    if (trimNext) text = text.replace(/^[ \t\r\n]+/, '');
    trimNext = false;
    if (open < 0) {
      if (text !== '') out.push({ kind: 'text', text, pos: i });
      break;
    }
    const trimLeft = src[open + 2] === '-' && isSpace(src[open + 3] ?? '');
    if (trimLeft) text = text.replace(/[ \t\r\n]+$/, '');
    if (text !== '') out.push({ kind: 'text', text, pos: i });
    textEnd = open;
    let p = open + 2 + (trimLeft ? 2 : 0);
    // Comments: `{{/* … */}}`, possibly with trim markers.
    if (src.startsWith('/*', p)) {
      const close = src.indexOf('*/', p + 2);
      if (close < 0) fail(open, 'unclosed comment');
      p = close + 2;
      if (src.startsWith(' -}}', p)) {
        trimNext = true;
        p += 4;
      } else if (src.startsWith('}}', p)) p += 2;
      else fail(open, 'comment ends before closing delimiter');
      i = p;
      continue;
    }
    out.push({ kind: 'left', text: '{{', pos: open });
    // Tokens inside the action.
    for (;;) {
      if (p >= src.length) fail(open, 'unclosed action');
      const c = src[p];
      if (isSpace(c)) {
        const start = p;
        while (p < src.length && isSpace(src[p])) p++;
        if (src.startsWith('-}}', p) && p > start) {
          trimNext = true;
          out.push({ kind: 'right', text: '}}', pos: p });
          p += 3;
          break;
        }
        out.push({ kind: 'space', text: src.slice(start, p), pos: start });
        continue;
      }
      if (src.startsWith('}}', p)) {
        out.push({ kind: 'right', text: '}}', pos: p });
        p += 2;
        break;
      }
      const start = p;
      const push = (kind: TokenKind, end: number) => {
        out.push({ kind, text: src.slice(start, end), pos: start });
        p = end;
      };
      if (c === '|') push('pipe', p + 1);
      else if (c === '(') push('lparen', p + 1);
      else if (c === ')') push('rparen', p + 1);
      else if (c === ',') push('comma', p + 1);
      else if (c === '=') push('assign', p + 1);
      else if (c === ':') {
        if (src[p + 1] !== '=') fail(p, 'expected :=');
        push('declare', p + 2);
      } else if (c === '"') {
        let q = p + 1;
        for (; q < src.length && src[q] !== '"'; q++) {
          if (src[q] === '\\') q++;
          if (src[q] === '\n' || q >= src.length) fail(start, 'unterminated quoted string');
        }
        if (q >= src.length) fail(start, 'unterminated quoted string');
        push('string', q + 1);
      } else if (c === '`') {
        const q = src.indexOf('`', p + 1);
        if (q < 0) fail(start, 'unterminated raw quoted string');
        push('rawString', q + 1);
      } else if (c === "'") {
        let q = p + 1;
        for (; q < src.length && src[q] !== "'"; q++) {
          if (src[q] === '\\') q++;
          if (src[q] === '\n' || q >= src.length) fail(start, 'unterminated character constant');
        }
        push('char', q + 1);
      } else if (c === '$') {
        let q = p + 1;
        while (q < src.length && isAlnum(src[q])) q++;
        push('variable', q);
      } else if (c === '.') {
        if (/[0-9]/.test(src[p + 1] ?? '')) push('number', numberEnd(src, p));
        else if (isAlnum(src[p + 1] ?? '')) {
          let q = p + 1;
          while (q < src.length && isAlnum(src[q])) q++;
          push('field', q);
        } else push('dot', p + 1);
      } else if (/[0-9+-]/.test(c)) {
        push('number', numberEnd(src, p));
      } else if (isAlnum(c)) {
        let q = p;
        while (q < src.length && isAlnum(src[q])) q++;
        const word = src.slice(p, q);
        push(KEYWORDS.has(word) ? 'keyword' : word === 'true' || word === 'false' ? 'bool' : word === 'nil' ? 'nil' : 'ident', q);
      } else {
        fail(p, `unexpected ${JSON.stringify(c)} in command`);
      }
    }
    i = p;
  }
  out.push({ kind: 'eof', text: '', pos: src.length });
  return out;
}

/** numberEnd: the end of the number-like run starting at `p` (validated later by the parser). */
function numberEnd(src: string, p: number): number {
  let q = p;
  if (src[q] === '+' || src[q] === '-') q++;
  while (q < src.length) {
    const c = src[q];
    if (/[0-9a-zA-Z_.]/.test(c)) q++;
    else if ((c === '+' || c === '-') && /[eEpP]/.test(src[q - 1]) && !/^0[xX]/.test(src.slice(p).replace(/^[+-]/, '')) ) q++;
    else if ((c === '+' || c === '-') && /[pP]/.test(src[q - 1])) q++;
    else break;
  }
  return q;
}
