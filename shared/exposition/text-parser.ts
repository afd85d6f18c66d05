/**
 * TextParser: the pull parser for the Prometheus text format 0.0.4 (`text/plain;
 * version=0.0.4`), with Prometheus 3's quoted UTF-8 names (`{"my.metric", "a.b"="x"}`). It is
 * as lenient as Prometheus' own: blanks between tokens, blank lines, free comments, a trailing
 * comma in label sets, Go float syntax for values; timestamps are integer milliseconds.
 * Exemplars do not exist in this format and are rejected.
 */
import { ParserBase } from './parser-base.ts';
import { parseGoFloat, parseIntegerMs } from './numbers.ts';
import { isMetricNameChar, isMetricNameStart, scanLabels, scanMetricName, scanQuoted, unescape } from './scan.ts';
import type { EntryKind, MetricType } from './types.ts';
import { quoteForError } from './types.ts';

const TEXT_TYPES: ReadonlySet<string> = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function isBlank(c: number): boolean {
  return c === 32 || c === 9;
}

export class TextParser extends ParserBase {
  readonly format = 'text';
  protected readonly fastTimestamps = true;
  protected readonly omNumbers = false;

  /** new TextParser reads `text`, a whole page as a string or as UTF-8 bytes; see ExpositionParser. */
  constructor(text: string | Uint8Array) {
    super(text);
  }

  next(): EntryKind {
    let s = this.s;
    let len = s.length;
    for (;;) {
      if (this.pos >= len) {
        // Byte input: the fast path reads the next line, or it becomes `s`.
        if (this.bytes === null) return 'eof';
        if (this.nextBytesLine()) return 'series';
        s = this.s;
        len = s.length;
        if (this.pos >= len) return 'eof';
      }
      this.line++;
      const start = this.pos;
      // Fast path: a sample line in the common shape (see SeriesFastPath).
      if (this.bytes === null && this.fastSample(start)) return 'series';
      let end = s.indexOf('\n', start);
      if (end < 0) end = len;
      this.pos = end + 1;
      let i = start;
      while (i < end && isBlank(s.charCodeAt(i))) i++;
      if (i === end) continue; // blank line
      if (s.charCodeAt(i) === 35) return this.commentLine(i, end);
      this.sampleLine(i, end);
      return 'series';
    }
  }

  /**
   * fastSample reads the line at `start` when its series text is in the common shape and a
   * number follows it after one space, and returns true; otherwise it returns false having
   * changed nothing the slow path relies on. A plain integer timestamp is read here; any other
   * rest of the line goes through the slow path's sampleTail, which throws its errors.
   */
  protected fastSample(start: number): boolean {
    if (!this.fastAllowed()) return false;
    const s = this.s;
    const fp = this.fast;
    const sp = fp.scanSeries(s, start);
    if (sp < 0) return false;
    let e = fp.value(s, sp + 1, false);
    const value = fp.number;
    if (e < 0) return false;
    this.acceptFastSeries(start, sp);
    this.value = value;
    this.timestamp = NaN;
    if (s.charCodeAt(e) === 32) {
      let ts = 0;
      let i = e + 1;
      let c = s.charCodeAt(i);
      const a = i;
      while (c >= 48 && c <= 57) {
        ts = ts * 10 + (c - 48);
        c = s.charCodeAt(++i);
      }
      if (i === a || i - a > 15 || (c !== 10 && i !== s.length)) {
        // Slow path for the rest: longer or signed timestamps, trailing blanks, errors.
        let end = s.indexOf('\n', e);
        if (end < 0) end = s.length;
        this.pos = end + 1;
        this.sampleTail(start, sp, end);
        return true;
      }
      this.timestamp = ts;
      e = i;
    }
    this.pos = e + 1;
    return true;
  }

  private commentLine(hash: number, end: number): EntryKind {
    const s = this.s;
    let i = hash + 1;
    while (i < end && isBlank(s.charCodeAt(i))) i++;
    const word = s.slice(i, i + 4);
    const after = s.charCodeAt(i + 4);
    if ((word !== 'HELP' && word !== 'TYPE') || i + 4 >= end || !isBlank(after)) {
      this.metaText = s.slice(hash + 1, end);
      return 'comment';
    }
    i += 4;
    while (i < end && isBlank(s.charCodeAt(i))) i++;
    let j: number;
    if (s.charCodeAt(i) === 34) {
      j = scanQuoted(s, i, end, this.line, 'quoted metric name');
      this.metaName = unescape(s, i + 1, j - 1, true);
    } else {
      j = scanMetricName(s, i, end);
      if (j === i) this.fail(`invalid metric name in "# ${word}" line: ${quoteForError(s.slice(i, end))}`);
      this.metaName = s.slice(i, j);
    }
    if (j < end && !isBlank(s.charCodeAt(j))) this.fail(`unexpected ${quoteForError(s.slice(j, end))} after the metric name in "# ${word}"`);
    while (j < end && isBlank(s.charCodeAt(j))) j++;
    if (word === 'HELP') {
      this.metaText = unescape(s, j, end, false);
      return 'help';
    }
    let k = end;
    while (k > j && isBlank(s.charCodeAt(k - 1))) k--;
    const t = s.slice(j, k);
    if (!TEXT_TYPES.has(t)) this.fail(`invalid metric type ${quoteForError(t)} for ${quoteForError(this.metaName)}`);
    this.metaType = t as MetricType;
    this.typedName = this.metaName;
    this.typedType = this.metaType;
    return 'type';
  }

  private sampleLine(start: number, end: number): void {
    const s = this.s;
    this.seriesStart = start;
    this.exOpen = -1;
    this.plain = false;
    let i = scanMetricName(s, start, end);
    this.nameEnd = i;
    const sc = this.scan;
    sc.reset('');
    if (i === start && s.charCodeAt(i) !== 123) this.fail(`invalid metric name at ${quoteForError(s.slice(start, end))}`);
    let j = i;
    while (j < end && isBlank(s.charCodeAt(j))) j++;
    if (s.charCodeAt(j) === 123) {
      this.labelsOpen = j;
      i = scanLabels(s, j, end, false, i === start, sc, this.line);
      this.labelsClose = i;
      if (i - start === i - j && sc.quotedNameStart < 0) this.fail('series has no metric name');
    } else {
      this.labelsOpen = this.labelsClose = -1;
      if (j < end && !isBlank(s.charCodeAt(i))) {
        this.fail(isMetricNameChar(s.charCodeAt(i)) || isMetricNameStart(s.charCodeAt(i))
          ? `invalid metric name at ${quoteForError(s.slice(start, end))}`
          : `unexpected ${quoteForError(s.slice(i, end))} after the metric name`);
      }
    }
    this.seriesEnd = i;
    this.sampleTail(start, i, end);
  }

  /** sampleTail reads the value and optional timestamp after the series text, which ends at i. */
  private sampleTail(start: number, i: number, end: number): void {
    const s = this.s;
    while (i < end && isBlank(s.charCodeAt(i))) i++;
    let a = i;
    while (i < end && !isBlank(s.charCodeAt(i))) i++;
    if (a === i) this.fail(`missing value for ${quoteForError(s.slice(start, end))}`);
    const value = parseGoFloat(s, a, i);
    if (value === undefined) this.fail(`invalid value ${quoteForError(s.slice(a, i))}`);
    this.value = value;
    this.timestamp = NaN;
    while (i < end && isBlank(s.charCodeAt(i))) i++;
    if (i === end) return;
    if (s.charCodeAt(i) === 35) this.fail('exemplars are not allowed in the text format (use OpenMetrics)');
    a = i;
    while (i < end && !isBlank(s.charCodeAt(i))) i++;
    const ts = parseIntegerMs(s, a, i);
    if (ts === undefined) this.fail(`invalid timestamp ${quoteForError(s.slice(a, i))} (integer milliseconds expected)`);
    this.timestamp = ts;
    while (i < end && isBlank(s.charCodeAt(i))) i++;
    if (i < end) this.fail(`unexpected ${quoteForError(s.slice(i, end))} after the timestamp`);
  }
}
