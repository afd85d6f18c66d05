/**
 * SeriesFastPath: the scrape hot path of both exposition parsers. It recognises a sample line
 * in the one shape real exporters write — a legacy metric name, optionally `{name="value",…}`
 * with no blanks, no backslash in a value and no trailing comma, one space, then a number —
 * and reads the number. The series text is checked by one sticky regular expression: V8 runs
 * it as compiled native code, and test() allocates nothing (on the synthetic page, 78 ns a line
 * against 121 for a table-driven charCodeAt scan). A line it does not recognise is left to the
 * parser's slow path from its start, so every rejection and its message come from the slow
 * path: every line the fast path accepts, the slow path accepts with the same spans and values.
 * The parsers finish an uncommon rest of line (timestamps, exemplars) with the slow path's code.
 */
import { type Labels, METRIC_NAME } from '../model/labels.ts';
import { parseGoFloat, parseOpenMetricsNumber } from './numbers.ts';
import { pairsToLabels } from './scan.ts';

/**
 * The common shape of a series text and the space after it, for both formats. `name {…}` and
 * runs of blanks (the text format allows both) match only up to the first space; what follows
 * is then no number, so value() sends the line to the slow path.
 */
const SERIES_RE = /[a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[a-zA-Z_][a-zA-Z0-9_]*="[^"\\\n]*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="[^"\\\n]*")*\})? /y;

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * SeriesFastPath: the spans the fast path found on the current line. One per parser; not safe
 * for concurrent use (the regular expression it uses is shared, but nothing yields mid-call).
 */
export class SeriesFastPath {
  /** After scanSeries: end of the metric name, the label block's '{' (-1 when none). */
  nameEnd = 0;
  labelsOpen = -1;
  /** After value: the index after the value token (a space, '\n' or the page's end), or -1. */
  valueEnd = -1;

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
   * value reads the value token at s[a…], which ends at a space, '\n' or the page's end, and
   * sets valueEnd there; `om` selects OpenMetrics' number grammar, otherwise Go's. Fast path:
   * `[-] digits [. digits]` with at most 15 digits is computed here, exactly as parseRealNumber
   * does. On a token that is not a number of the format, valueEnd is -1 (slow path).
   */
  value(s: string, a: number, om: boolean): number {
    let i = a;
    let c = s.charCodeAt(i);
    const neg = c === 45;
    if (neg) c = s.charCodeAt(++i);
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
      c = s.charCodeAt(++i);
    }
    if ((c === 32 || c === 10 || i === s.length) && digits > 0 && digits <= 15) {
      this.valueEnd = i;
      const v = frac < 0 || frac === digits ? mant : mant / POW10[digits - frac];
      return neg ? -v : v;
    }
    // Slow path for the number only: exponents, long mantissas, special values.
    while (i < s.length && c !== 32 && c !== 10) c = s.charCodeAt(++i);
    const v = om ? parseOpenMetricsNumber(s, a, i) : parseGoFloat(s, a, i);
    this.valueEnd = v === undefined ? -1 : i;
    return v ?? NaN;
  }
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
