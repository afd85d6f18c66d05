/**
 * Go-compatible string helpers for PromQL: unquoting string literals with Go's escape rules
 * (as Prometheus' strutil.Unquote does), and quoting strings and runes the way Go's `%q` and
 * `%#U` print them, so that messages and formatted queries read exactly like Prometheus'.
 *
 * Strings are JavaScript strings. Bytes that a `\xHH` or octal escape produces and that do not
 * form valid UTF-8 are kept as lone surrogates U+DC80..U+DCFF ("surrogate escape"), which
 * `goQuote` prints back as `\xHH`.
 */

const SIMPLE_ESCAPES: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92 };

/** UnquoteError: a string literal that does not follow Go's quoting rules. */
export class UnquoteError extends Error {}

/**
 * unquote returns the value of a quoted literal (`"…"`, `'…'` or backquoted). Escapes follow Go:
 * \a \b \f \n \r \t \v \\, the literal's own quote, \xHH and \NNN (bytes), \uHHHH and
 * \UHHHHHHHH (code points). Throws UnquoteError on a malformed literal.
 */
export function unquote(s: string): string {
  if (s.length < 2 || s[0] !== s[s.length - 1]) throw new UnquoteError('invalid syntax');
  const q = s[0];
  const body = s.slice(1, -1);
  if (q === '`') {
    if (body.includes('`')) throw new UnquoteError('invalid syntax');
    return body;
  }
  if (q !== '"' && q !== "'") throw new UnquoteError('invalid syntax');
  if (body.includes('\n')) throw new UnquoteError('invalid syntax');
  if (!body.includes('\\') && !body.includes(q)) return body;
  // Collect UTF-8 bytes, since \x and octal escapes produce single bytes.
  const bytes: number[] = [];
  const enc = new TextEncoder();
  for (let i = 0; i < body.length; ) {
    const c = body[i];
    if (c === q) throw new UnquoteError('invalid syntax');
    if (c !== '\\') {
      const cp = body.codePointAt(i)!;
      const w = cp > 0xffff ? 2 : 1;
      for (const b of enc.encode(body.slice(i, i + w))) bytes.push(b);
      i += w;
      continue;
    }
    const e = body[i + 1];
    if (e === undefined) throw new UnquoteError('invalid syntax');
    i += 2;
    if (e in SIMPLE_ESCAPES) {
      bytes.push(SIMPLE_ESCAPES[e]);
    } else if (e === q) {
      bytes.push(q.charCodeAt(0));
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = body.slice(i, i + n);
      if (hex.length < n || !/^[0-9a-fA-F]+$/.test(hex)) throw new UnquoteError('invalid syntax');
      i += n;
      const v = parseInt(hex, 16);
      if (e === 'x') {
        bytes.push(v);
      } else {
        if (v > 0x10ffff || (v >= 0xd800 && v < 0xe000)) throw new UnquoteError('invalid syntax');
        for (const b of enc.encode(String.fromCodePoint(v))) bytes.push(b);
      }
    } else if (e >= '0' && e <= '7') {
      const oct = body.slice(i - 1, i + 2);
      if (!/^[0-7]{3}$/.test(oct)) throw new UnquoteError('invalid syntax');
      const v = parseInt(oct, 8);
      if (v > 255) throw new UnquoteError('invalid syntax');
      bytes.push(v);
      i += 2;
    } else {
      throw new UnquoteError('invalid syntax');
    }
  }
  return decodeUtf8Escaped(bytes);
}

/** decodeUtf8Escaped decodes UTF-8, turning each byte of an invalid sequence into U+DC80+byte. */
export function decodeUtf8Escaped(bytes: readonly number[]): string {
  let out = '';
  for (let i = 0; i < bytes.length; ) {
    const b0 = bytes[i];
    if (b0 < 0x80) {
      out += String.fromCharCode(b0);
      i++;
      continue;
    }
    let need = 0;
    let cp = 0;
    let min = 0;
    if (b0 >= 0xc2 && b0 <= 0xdf) [need, cp, min] = [1, b0 & 0x1f, 0x80];
    else if (b0 >= 0xe0 && b0 <= 0xef) [need, cp, min] = [2, b0 & 0x0f, 0x800];
    else if (b0 >= 0xf0 && b0 <= 0xf4) [need, cp, min] = [3, b0 & 0x07, 0x10000];
    let ok = need > 0 && i + need < bytes.length;
    for (let k = 1; ok && k <= need; k++) {
      const b = bytes[i + k];
      if (b === undefined || (b & 0xc0) !== 0x80) ok = false;
      else cp = (cp << 6) | (b & 0x3f);
    }
    if (ok && cp >= min && cp <= 0x10ffff && !(cp >= 0xd800 && cp < 0xe000)) {
      out += String.fromCodePoint(cp);
      i += need + 1;
    } else {
      out += String.fromCharCode(0xdc00 + b0);
      i++;
    }
  }
  return out;
}

/** isValidUtf8: false when `s` holds surrogate-escaped bytes or other lone surrogates. */
export function isValidUtf8(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const PRINTABLE = /[\p{L}\p{M}\p{N}\p{P}\p{S} ]/u;

function escapeCodePoint(cp: number, quote: string): string {
  const ch = String.fromCodePoint(cp);
  if (ch === quote || ch === '\\') return '\\' + ch;
  if (cp >= 0xdc80 && cp <= 0xdcff) return '\\x' + (cp - 0xdc00).toString(16).padStart(2, '0');
  if (cp >= 0xd800 && cp < 0xe000) return '\\ufffd';
  if (PRINTABLE.test(ch)) return ch;
  switch (cp) {
    case 7: return '\\a';
    case 8: return '\\b';
    case 12: return '\\f';
    case 10: return '\\n';
    case 13: return '\\r';
    case 9: return '\\t';
    case 11: return '\\v';
  }
  if (cp < 0x20 || cp === 0x7f) return '\\x' + cp.toString(16).padStart(2, '0');
  if (cp <= 0xffff) return '\\u' + cp.toString(16).padStart(4, '0');
  return '\\U' + cp.toString(16).padStart(8, '0');
}

/** goQuote quotes `s` as Go's strconv.Quote does (double quotes, Go escapes). */
export function goQuote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; ) {
    const cp = s.codePointAt(i)!;
    out += escapeCodePoint(cp, '"');
    i += cp > 0xffff ? 2 : 1;
  }
  return out + '"';
}

/** goQuoteRune prints a code point as Go's `%q` prints a rune: `'x'`, `'\n'`, `'\''`. */
export function goQuoteRune(cp: number): string {
  if (cp < 0) return "'\\ufffd'";
  return "'" + escapeCodePoint(cp, "'") + "'";
}

/** goRuneU prints a code point as Go's `%#U`: `U+0063 'c'`, or `U+000A` when not printable. */
export function goRuneU(cp: number): string {
  const hex = 'U+' + cp.toString(16).toUpperCase().padStart(4, '0');
  const ch = String.fromCodePoint(cp);
  return PRINTABLE.test(ch) && !(cp >= 0xd800 && cp < 0xe000) ? `${hex} '${ch}'` : hex;
}
