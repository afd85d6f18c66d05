/**
 * SeriesFastPath: the scrape hot path of both exposition parsers. It recognises a sample line
 * in the one shape real exporters write — a legacy metric name, optionally `{name="value",…}`
 * with no blanks, no backslash in a value and no trailing comma, one space, then a number —
 * and reads the number. It reads a page's UTF-8 bytes (what a scrape receives) with a
 * table-driven scan that allocates nothing, or a string (a page handed over as text) with one
 * sticky regular expression, which V8 runs as native code (on the synthetic page, 78 ns a line
 * against 121 for a charCodeAt scan of a string). A line it does not recognise is left to the
 * parser's slow path from its start, so every rejection and its message come from the slow
 * path: every line the fast path accepts, the slow path accepts with the same spans and values.
 */
import { type Labels, METRIC_NAME } from '../model/labels.ts';
import { parseGoFloat, parseOpenMetricsNumber, POW10 } from './numbers.ts';
import { pairsToLabels } from './scan.ts';

/**
 * The common shape of a series text and the space after it, for both formats. `name {…}` and
 * runs of blanks (the text format allows both) match only up to the first space; what follows
 * is then no number, so value() sends the line to the slow path.
 */
const SERIES_RE = /[a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[a-zA-Z_][a-zA-Z0-9_]*="[^"\\\n]*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="[^"\\\n]*")*\})? /y;


/** Byte classes of the common shape: bit 1 `[a-zA-Z_:]`, 2 `[a-zA-Z0-9_:]`, 4 `[a-zA-Z_]`, 8 `[a-zA-Z0-9_]`. */
const NAME_START = 1, NAME_CHAR = 2, LABEL_START = 4, LABEL_CHAR = 8;
const CLASS = new Uint8Array(256);
for (let c = 0; c < 128; c++) {
  const letter = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
  const digit = c >= 48 && c <= 57;
  CLASS[c] = (letter || c === 58 ? NAME_START : 0) | (letter || digit || c === 58 ? NAME_CHAR : 0) | (letter ? LABEL_START : 0) | (letter || digit ? LABEL_CHAR : 0);
}

const SP = 32, NL = 10, QUOTE = 34, BACKSLASH = 92, EQUALS = 61, COMMA = 44, OPEN = 123, CLOSE = 125;

/**
 * SeriesFastPath: the spans the fast path found on the current line. One per parser; not safe
 * for concurrent use (the regular expression it uses is shared, but nothing yields mid-call).
 */
export class SeriesFastPath {
  /** After scanSeries: end of the metric name, the label block's '{' (-1 when none). */
  nameEnd = 0;
  labelsOpen = -1;
  /** After value or valueBytes: the number read (a field, so that no call returns a boxed double). */
  number = NaN;

  /**
   * scanSeries checks the series text starting at `start` and returns the index of the single
   * space after it, setting nameEnd and labelsOpen; or -1 when the line is not in the common
   * shape (slow path). The match never crosses the line's end.
   */
  scanSeries(s: string, start: number): number {
    SERIES_RE.lastIndex = start;
    if (!SERIES_RE.test(s)) return -1;
    const sp = SERIES_RE.lastIndex - 1;
    if (s.charCodeAt(sp - 1) === 125) {
      // A name cannot hold '{', so the first one is the block's, on this very line.
      const open = s.indexOf('{', start);
      this.nameEnd = open;
      this.labelsOpen = open;
    } else {
      this.nameEnd = sp;
      this.labelsOpen = -1;
    }
    return sp;
  }

  /**
   * scanSeriesBytes is scanSeries over UTF-8 bytes: it checks the series text starting at b[start]
   * and returns the index of the single space after it (setting nameEnd and labelsOpen), or -1.
   * Label values may hold any byte but '"', '\\' and '\n', as the regular expression allows.
   */
  scanSeriesBytes(b: Uint8Array, start: number): number {
    const n = b.length;
    let i = start;
    if (i >= n || (CLASS[b[i]] & NAME_START) === 0) return -1;
    i++;
    while (i < n && (CLASS[b[i]] & NAME_CHAR) !== 0) i++;
    if (i >= n) return -1;
    if (b[i] === SP) {
      this.nameEnd = i;
      this.labelsOpen = -1;
      return i;
    }
    if (b[i] !== OPEN) return -1;
    const open = i++;
    for (;;) {
      if (i >= n || (CLASS[b[i]] & LABEL_START) === 0) return -1;
      i++;
      while (i < n && (CLASS[b[i]] & LABEL_CHAR) !== 0) i++;
      if (i + 1 >= n || b[i] !== EQUALS || b[i + 1] !== QUOTE) return -1;
      i += 2;
      let c = 0;
      while (i < n && (c = b[i]) !== QUOTE && c !== BACKSLASH && c !== NL) i++;
      if (i + 1 >= n || c !== QUOTE) return -1;
      c = b[i + 1];
      i += 2;
      if (c === CLOSE) break;
      if (c !== COMMA) return -1;
    }
    if (i >= n || b[i] !== SP) return -1;
    this.nameEnd = open;
    this.labelsOpen = open;
    return i;
  }

  /**
   * valueBytes is value() over UTF-8 bytes: it reads the number at b[a…] up to a space, '\n' or
   * the end into `number` and returns the index there (-1 when the token is no number of the
   * format). Fast path,
   * computed exactly (one correctly rounded operation on exact operands, as strtod's fast path
   * does): `[-] digits [. digits] [e [±] digits]` with a mantissa below 2^53 and a power of ten
   * within 1e±22; a longer decimal goes to Number(). Other tokens are decoded and parsed as the
   * slow path parses them.
   */
  valueBytes(b: Uint8Array, a: number, om: boolean): number {
    const n = b.length;
    let i = a;
    let c = i < n ? b[i] : -1;
    const neg = c === 45;
    if (neg) c = ++i < n ? b[i] : -1;
    let mant = 0;
    let digits = 0;
    let frac = -1;
    for (;;) {
      if (c >= 48 && c <= 57) {
        mant = mant * 10 + (c - 48);
        digits++;
      } else if (c === 46 && frac < 0) {
        frac = digits;
      } else break;
      c = ++i < n ? b[i] : -1;
    }
    let scale = frac < 0 ? 0 : frac - digits;
    let decimal = digits > 0; // the token so far is a decimal number
    if ((c === 101 || c === 69) && decimal) {
      // An exponent: at most three digits, so that the scale stays a small integer.
      c = ++i < n ? b[i] : -1;
      const eneg = c === 45;
      if (eneg || c === 43) c = ++i < n ? b[i] : -1;
      let e = 0;
      const from = i;
      while (c >= 48 && c <= 57 && i - from < 3) {
        e = e * 10 + (c - 48);
        c = ++i < n ? b[i] : -1;
      }
      decimal = i > from;
      scale += eneg ? -e : e;
    }
    if ((c === SP || c === NL || c === -1) && decimal) {
      // An exact mantissa (below 2^53: every 15-digit one, most 16-digit ones) and an exact power.
      if (mant < 9007199254740992 && scale >= -22 && scale <= 22) {
        const v = scale === 0 ? mant : scale > 0 ? mant * POW10[scale] : mant / POW10[-scale];
        this.number = neg ? -v : v;
      } else {
        // Longer mantissas, larger powers: a valid decimal, which Number() reads exactly as Go does.
        this.number = Number(latin1(b, a, i));
      }
      return i;
    }
    // Slow path for the number only: special values, hexadecimal floats, malformed tokens.
    while (i < n && b[i] !== SP && b[i] !== NL) i++;
    const token = latin1(b, a, i);
    return this.#setNumber(om ? parseOpenMetricsNumber(token, 0, token.length) : parseGoFloat(token, 0, token.length), i);
  }

  #setNumber(v: number | undefined, end: number): number {
    if (v === undefined) return -1;
    this.number = v;
    return end;
  }

  /**
   * value reads the value token at s[a…], which ends at a space, '\n' or the text's end, into
   * `number` and returns the index of its end; `om` selects OpenMetrics' number grammar,
   * otherwise Go's (whose fast path, parseRealNumber's, computes `[-] digits [. digits]` of at most
   * 15 digits exactly). On a token that is not a number of the format it returns -1 (slow path).
   */
  value(s: string, a: number, om: boolean): number {
    let i = a;
    for (let c = s.charCodeAt(i); i < s.length && c !== SP && c !== NL; c = s.charCodeAt(++i));
    return this.#setNumber(om ? parseOpenMetricsNumber(s, a, i) : parseGoFloat(s, a, i), i);
  }
}

/**
 * latin1 decodes b[a, e) one byte per character: for number tokens, which are ASCII when valid (a
 * byte above 0x7f becomes a character no number grammar accepts).
 */
export function latin1(b: Uint8Array, a: number, e: number): string {
  // A page read over HTTP is a Buffer already; any other bytes are viewed as one (not copied).
  return (b instanceof Buffer ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength)).toString('latin1', a, e);
}

/**
 * decodePlainLabels builds the Labels of a series the fast path accepted: `name` plus the block
 * s[open, close), which is in the common shape (no blanks, no backslashes, legacy names), so
 * each pair is cut out with two indexOf calls. Duplicate names throw ExpositionParseError.
 */
export function decodePlainLabels(s: string, name: string, open: number, close: number, line: number): Labels {
  const flat: string[] = [METRIC_NAME, name];
  if (open >= 0) {
    let i = open + 1;
    for (;;) {
      const eq = s.indexOf('=', i);
      const q = s.indexOf('"', eq + 2);
      flat.push(s.slice(i, eq), s.slice(eq + 2, q));
      i = q + 2; // after the ',' or the '}'
      if (i >= close) break;
    }
  }
  return pairsToLabels(flat, line, true);
}
