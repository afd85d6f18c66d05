/**
 * Low-level scanning shared by the text-format and OpenMetrics parsers: character classes for
 * names, quoted strings with escapes, and the `{…}` label block. Scanning checks syntax and
 * records spans of the page (no allocation); decodeLabels later turns a block into a Labels,
 * only for series the caller asks about. Errors throw ExpositionParseError with the line.
 */
import { Labels, METRIC_NAME } from '../model/labels.ts';
import { ExpositionParseError, quoteForError } from './types.ts';

/** isMetricNameStart: `[a-zA-Z_:]`. */
export function isMetricNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58;
}

/** isMetricNameChar: `[a-zA-Z0-9_:]`. */
export function isMetricNameChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 58;
}

/** isLabelNameStart: `[a-zA-Z_]`. */
export function isLabelNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

/** isLabelNameChar: `[a-zA-Z0-9_]`. */
export function isLabelNameChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
}

/** scanMetricName returns the end of the legacy metric name starting at i (i when none). */
export function scanMetricName(s: string, i: number, end: number): number {
  if (i < end && isMetricNameStart(s.charCodeAt(i))) {
    i++;
    while (i < end && isMetricNameChar(s.charCodeAt(i))) i++;
  }
  return i;
}

/**
 * scanQuoted scans the double-quoted string whose opening quote is at i and returns the index
 * after its closing quote. Backslash escapes any character; a string that reaches `end`
 * unterminated throws, naming `what` it was.
 */
export function scanQuoted(s: string, i: number, end: number, line: number, what: string): number {
  // Fast path: the first quote after i ends the string unless a backslash precedes it.
  // (String.indexOf is native and far quicker per character than a charCodeAt loop.)
  const q = s.indexOf('"', i + 1);
  if (q >= 0 && q < end && s.charCodeAt(q - 1) !== 92) return q + 1;
  for (let j = i + 1; j < end; j++) {
    const c = s.charCodeAt(j);
    if (c === 34) return j + 1;
    if (c === 92) j++;
  }
  throw new ExpositionParseError(line, `unterminated ${what}: ${quoteForError(s.slice(i, end))}`);
}

/**
 * unescape decodes s[a, b) (without quotes): `\\`, `\n` and, when `quotes`, `\"`. Any other
 * backslash pair is kept as written, as Prometheus does.
 */
export function unescape(s: string, a: number, b: number, quotes: boolean): string {
  const raw = s.slice(a, b);
  const rel = raw.indexOf('\\');
  if (rel < 0) return raw;
  const first = a + rel;
  let out = s.slice(a, first);
  let i = first;
  while (i < b) {
    const c = s.charCodeAt(i);
    if (c === 92 && i + 1 < b) {
      const n = s.charCodeAt(i + 1);
      if (n === 92) out += '\\';
      else if (n === 110) out += '\n';
      else if (n === 34 && quotes) out += '"';
      else out += s.slice(i, i + 2);
      i += 2;
    } else {
      out += s[i];
      i++;
    }
  }
  return out;
}

/**
 * LabelScan: what scanLabels found in one block, as spans of the page. `special` names a label
 * the caller wants located (`le`, `quantile`, a stateset's family name), '' for none.
 */
export class LabelScan {
  special = '';
  /** Span of the quoted metric name inside the braces (quotes included), or -1. */
  quotedNameStart = -1;
  quotedNameEnd = -1;
  /** Span of the whole special pair (from its name to before the next ',' or '}'), or -1. */
  specialStart = -1;
  specialEnd = -1;
  /** Span of the special label's value, without quotes. */
  specialValueStart = -1;
  specialValueEnd = -1;
  /** Number of label pairs (the quoted metric name not included). */
  count = 0;

  reset(special: string): void {
    this.special = special;
    this.quotedNameStart = this.quotedNameEnd = -1;
    this.specialStart = this.specialEnd = -1;
    this.specialValueStart = this.specialValueEnd = -1;
    this.count = 0;
  }
}

function skipBlank(s: string, i: number, end: number): number {
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9) break;
    i++;
  }
  return i;
}

/**
 * scanLabels checks the label block whose '{' is at `open` and returns the index after its
 * '}'. `om` selects OpenMetrics' strict grammar (no blanks, no trailing comma); otherwise the
 * text format's (blanks around tokens, trailing comma). `nameAllowed` says whether a quoted
 * metric name may appear as the first item (`{"my.metric", …}`), i.e. none preceded the brace.
 */
export function scanLabels(s: string, open: number, end: number, om: boolean, nameAllowed: boolean, st: LabelScan, line: number): number {
  let i = open + 1;
  let first = true;
  for (;;) {
    if (!om) i = skipBlank(s, i, end);
    if (i >= end) throw new ExpositionParseError(line, `unterminated label set: ${quoteForError(s.slice(open, end))}`);
    let c = s.charCodeAt(i);
    if (c === 125) {
      if (!first && om) throw new ExpositionParseError(line, 'trailing comma in label set');
      return i + 1;
    }
    const itemStart = i;
    let nameA: number, nameB: number;
    if (c === 34) {
      i = scanQuoted(s, i, end, line, 'quoted name');
      nameA = itemStart + 1;
      nameB = i - 1;
      const j = om ? i : skipBlank(s, i, end);
      const n = s.charCodeAt(j);
      if (n === 44 || n === 125) {
        if (!first || !nameAllowed || st.quotedNameStart >= 0) {
          throw new ExpositionParseError(line, `label ${quoteForError(s.slice(itemStart, i))} has no value`);
        }
        st.quotedNameStart = itemStart;
        st.quotedNameEnd = i;
        first = false;
        i = j + 1;
        if (n === 125) return i;
        if (om && s.charCodeAt(i) === 125) throw new ExpositionParseError(line, 'trailing comma in label set');
        continue;
      }
      i = j;
    } else if (isLabelNameStart(c)) {
      i++;
      while (i < end && isLabelNameChar(s.charCodeAt(i))) i++;
      nameA = itemStart;
      nameB = i;
      if (!om) i = skipBlank(s, i, end);
    } else {
      throw new ExpositionParseError(line, `invalid label name at ${quoteForError(s.slice(i, end))}`);
    }
    if (s.charCodeAt(i) !== 61) {
      throw new ExpositionParseError(line, `expected '=' after label name ${quoteForError(s.slice(nameA, nameB))}`);
    }
    i++;
    if (!om) i = skipBlank(s, i, end);
    if (s.charCodeAt(i) !== 34) {
      throw new ExpositionParseError(line, `label ${quoteForError(s.slice(nameA, nameB))} needs a double-quoted value`);
    }
    const valueOpen = i;
    i = scanQuoted(s, i, end, line, 'label value');
    const special = st.special;
    if (special !== '' && nameB - nameA === special.length && s.startsWith(special, nameA)) {
      st.specialStart = itemStart;
      st.specialEnd = i;
      st.specialValueStart = valueOpen + 1;
      st.specialValueEnd = i - 1;
    }
    st.count++;
    first = false;
    if (!om) i = skipBlank(s, i, end);
    c = s.charCodeAt(i);
    if (c === 44) {
      i++;
      if (om && s.charCodeAt(i) === 125) throw new ExpositionParseError(line, 'trailing comma in label set');
      continue;
    }
    if (c === 125) return i + 1;
    throw new ExpositionParseError(line, `expected ',' or '}' after label value, got ${quoteForError(s.slice(i, end))}`);
  }
}

/** A reusable buffer of [name, value] pairs for decodeLabels: one per parser. */
export type PairBuffer = string[];

/**
 * decodeLabels builds the Labels of a series: `name` (already decoded, may be '') plus the
 * block in s[open, close) as checked by scanLabels. Duplicate names throw ExpositionParseError.
 */
export function decodeLabels(s: string, name: string, open: number, close: number, buf: PairBuffer, line: number): Labels {
  buf.length = 0;
  if (name !== '') buf.push(METRIC_NAME, name);
  if (open >= 0) {
    let i = open + 1;
    while (i < close) {
      let c = s.charCodeAt(i);
      if (c === 32 || c === 9 || c === 44) {
        i++;
        continue;
      }
      if (c === 125) break;
      let n: string;
      if (c === 34) {
        const j = scanQuoted(s, i, close, line, 'quoted name');
        n = unescape(s, i + 1, j - 1, true);
        i = j;
        while ((c = s.charCodeAt(i)) === 32 || c === 9) i++;
        if (c !== 61) {
          // The quoted metric name inside the braces.
          if (name !== '') throw new ExpositionParseError(line, 'metric name given twice');
          buf.unshift(METRIC_NAME, n);
          continue;
        }
      } else {
        const a = i;
        while (i < close && isLabelNameChar(s.charCodeAt(i))) i++;
        n = s.slice(a, i);
        while ((c = s.charCodeAt(i)) === 32 || c === 9) i++;
      }
      i++; // '='
      while ((c = s.charCodeAt(i)) === 32 || c === 9) i++;
      const j = scanQuoted(s, i, close, line, 'label value');
      buf.push(n, unescape(s, i + 1, j - 1, true));
      i = j;
    }
  }
  return pairsToLabels(buf, line, false);
}

/**
 * pairsToLabels sorts the flat pairs in buf by name (insertion sort: exposition label sets are
 * small and usually sorted already), rejects duplicate names and drops empty values. With
 * `owned`, the Labels may keep buf itself (the caller gives it up); otherwise buf is copied.
 */
export function pairsToLabels(buf: PairBuffer, line: number, owned: boolean): Labels {
  const n = buf.length;
  for (let i = 2; i < n; i += 2) {
    const kn = buf[i];
    if (kn >= buf[i - 2]) continue;
    const kv = buf[i + 1];
    let j = i - 2;
    while (j >= 0 && buf[j] > kn) {
      buf[j + 2] = buf[j];
      buf[j + 3] = buf[j + 1];
      j -= 2;
    }
    buf[j + 2] = kn;
    buf[j + 3] = kv;
  }
  let empty = 0;
  for (let i = 0; i < n; i += 2) {
    if (i > 0 && buf[i] === buf[i - 2]) throw new ExpositionParseError(line, `duplicate label name ${quoteForError(buf[i])}`);
    if (buf[i + 1] === '') empty++;
  }
  if (empty === 0) return Labels.fromSortedFlat(owned ? buf : buf.slice());
  const flat: string[] = [];
  for (let i = 0; i < n; i += 2) if (buf[i + 1] !== '') flat.push(buf[i], buf[i + 1]);
  return Labels.fromSortedFlat(flat);
}

/** countCodePoints counts the Unicode code points of str. */
export function countCodePoints(str: string): number {
  let n = 0;
  for (let i = 0; i < str.length; i++) {
    const c = str.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff) n++;
  }
  return n;
}
